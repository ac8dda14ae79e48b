package validate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/exitcode"
)

func TestPolicyFindingsAreFindings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		env       map[string]string
		code      int
		annotates []string
		rules     []string
	}{
		{
			name: "deny on the resource's line and warn on the backend's",
			env:  map[string]string{"INPUT_POLICIES": "testdata/policies/org", "INPUT_POLICY-DATA": "testdata/policies/data.yaml"},
			code: exitcode.Negative,
			annotates: []string{
				"::error file=testdata/ok/main.tf,line=17,title=policy/main/deny policy main.deny::aws_cloudwatch_log_group.app keeps logs 30 days; the organisation keeps them at least 90",
				"::warning file=testdata/ok/main.tf,line=11,title=policy/main/warn_backend policy main.warn_backend::state locking by lock file",
			},
			rules: []string{"policy/main/deny", "policy/main/warn_backend"},
		},
		{
			name:      "fail-on never reports policy findings without failing",
			env:       map[string]string{"INPUT_POLICIES": "testdata/policies/org", "INPUT_POLICY-DATA": "testdata/policies/data.yaml", "INPUT_FAIL-ON": "never", "INPUT_POLICY-NAMESPACE": "main"},
			code:      exitcode.OK,
			annotates: []string{"title=policy/main/deny"},
			rules:     []string{"policy/main/deny", "policy/main/warn_backend"},
		},
		{
			name:  "a namespace without rules evaluates nothing",
			env:   map[string]string{"INPUT_POLICIES": "testdata/policies/org", "INPUT_POLICY-DATA": "testdata/policies/data.yaml", "INPUT_POLICY-NAMESPACE": "org.other"},
			code:  exitcode.OK,
			rules: []string{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"INPUT_PATH": "testdata/ok"}
			for k, v := range tc.env {
				env[k] = v
			}
			r := invoke(t, Options{}, env)
			require.Equal(t, tc.code, r.code, r.stdout+r.stderr)
			for _, a := range tc.annotates {
				require.Contains(t, r.stdout, a)
			}
			var log struct {
				Runs []struct {
					Results []struct {
						RuleID string `json:"ruleId"`
					} `json:"results"`
				} `json:"runs"`
			}
			b, err := os.ReadFile(filepath.Join(r.dir, "validate.sarif"))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &log))
			got := []string{}
			for _, res := range log.Runs[0].Results {
				if strings.HasPrefix(res.RuleID, "policy/") {
					got = append(got, res.RuleID)
				}
			}
			require.ElementsMatch(t, tc.rules, got)
		})
	}
}
