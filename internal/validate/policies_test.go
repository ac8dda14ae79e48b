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
			r := invokeWith(t, tc.code, tc.annotates, map[string]string{"INPUT_PATH": "testdata/ok"}, tc.env)
			reported, suppressed := policyResults(t, r.dir)
			require.ElementsMatch(t, tc.rules, append(reported, suppressed...))
		})
	}
}

// invokeWith runs validate with the variables of envs (later ones win)
// and checks its exit code and that its log holds each annotation.
func invokeWith(t *testing.T, code int, annotates []string, envs ...map[string]string) run {
	t.Helper()
	env := map[string]string{}
	for _, e := range envs {
		for k, v := range e {
			env[k] = v
		}
	}
	r := invoke(t, Deps{}, env)
	require.Equal(t, code, r.code, r.stdout+r.stderr)
	for _, a := range annotates {
		require.Contains(t, r.stdout, a)
	}
	return r
}

// policyResults reads the rule IDs of the policy results in the SARIF file
// a run wrote to dir: those reported and those suppressed.
func policyResults(t *testing.T, dir string) (reported, suppressed []string) {
	t.Helper()
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID       string            `json:"ruleId"`
				Suppressions []json.RawMessage `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "validate.sarif"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &log))
	reported, suppressed = []string{}, []string{}
	for _, res := range log.Runs[0].Results {
		switch {
		case !strings.HasPrefix(res.RuleID, "policy/"):
		case len(res.Suppressions) > 0:
			suppressed = append(suppressed, res.RuleID)
		default:
			reported = append(reported, res.RuleID)
		}
	}
	return reported, suppressed
}

// Policy findings honour ecsflow:ignore comments on the resource's line
// (or the line above it) and the config file's ignores and rule settings,
// as every other finding does.
func TestPolicyFindingsHonourIgnoresAndSeverities(t *testing.T) {
	t.Parallel()
	policies := map[string]string{"INPUT_POLICIES": "testdata/policies/org", "INPUT_POLICY-DATA": "testdata/policies/data.yaml"}
	cases := []struct {
		name       string
		env        map[string]string
		code       int
		annotates  []string
		absent     []string
		rules      []string // reported
		suppressed []string // listed as suppressed
	}{
		{
			name:       "inline ecsflow:ignore on the block and on the line above it",
			env:        map[string]string{"INPUT_PATH": "testdata/policies/ignored"},
			code:       exitcode.OK,
			absent:     []string{"title=policy/main/deny", "title=policy/main/warn_backend"},
			rules:      []string{},
			suppressed: []string{"policy/main/deny", "policy/main/warn_backend"},
		},
		{
			name:       "config ignore by resource",
			env:        map[string]string{"INPUT_PATH": "testdata/ok", "INPUT_CONFIG": "testdata/policies/config/ignore.yml"},
			code:       exitcode.OK,
			annotates:  []string{"title=policy/main/warn_backend"},
			absent:     []string{"title=policy/main/deny"},
			rules:      []string{"policy/main/warn_backend"},
			suppressed: []string{"policy/main/deny"},
		},
		{
			name:      "config severity override and a rule turned off",
			env:       map[string]string{"INPUT_PATH": "testdata/ok", "INPUT_CONFIG": "testdata/policies/config/severity.yml"},
			code:      exitcode.OK,
			annotates: []string{"::warning file=testdata/ok/main.tf,line=17,title=policy/main/deny policy main.deny::"},
			absent:    []string{"::error file=testdata/ok/main.tf,line=17", "title=policy/main/warn_backend"},
			rules:     []string{"policy/main/deny"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := invokeWith(t, tc.code, tc.annotates, policies, tc.env)
			for _, a := range tc.absent {
				require.NotContains(t, r.stdout, a)
			}
			reported, suppressed := policyResults(t, r.dir)
			require.ElementsMatch(t, tc.rules, reported)
			require.ElementsMatch(t, tc.suppressed, suppressed)
		})
	}
}

// TestExampleStackPassesItsPolicies runs the example's pull-request gate
// with the built-in library and the example's own policies, for each
// environment, and again with a planted change the policies must catch.
func TestExampleStackPassesItsPolicies(t *testing.T) {
	t.Parallel()
	root := "../../examples/open-webui"
	planted := filepath.Join(t.TempDir(), "planted.tfvars")
	require.NoError(t, os.WriteFile(planted, []byte("enable_execute_command = true\nlog_retention_days = 30\n"), 0o644))
	cases := []struct {
		name     string
		varFiles string
		taskDefs string
		denied   []string
	}{
		// As the example's pull-request workflow runs it.
		{name: "dev", varFiles: root + "/terraform/environments/dev.tfvars", taskDefs: root + "/task-definitions/*.json"},
		{name: "staging", varFiles: root + "/terraform/environments/staging.tfvars"},
		{name: "prod", varFiles: root + "/terraform/environments/prod.tfvars"},
		{
			name:     "prod with ECS Exec and short retention planted",
			varFiles: root + "/terraform/environments/prod.tfvars," + planted,
			denied: []string{
				`aws_ecs_service.this["open-webui"] allows ECS Exec in production`,
				`aws_cloudwatch_log_group.flow_logs keeps logs 30 days; prod keeps them at least 365`,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, Deps{}, map[string]string{
				"INPUT_PATH": root + "/terraform", "INPUT_VAR-FILES": tc.varFiles, "INPUT_FAIL-ON": "error",
				"INPUT_TASK-DEFINITIONS": tc.taskDefs,
				"INPUT_POLICIES":         BuiltinPolicies + "," + root + "/policies", "INPUT_POLICY-DATA": root + "/policies/data.yaml",
			})
			var policyErrors []string
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.HasPrefix(l, "::error") && strings.Contains(l, "title=policy/") {
					policyErrors = append(policyErrors, l)
				}
			}
			if len(tc.denied) == 0 {
				require.Empty(t, policyErrors)
				require.Equal(t, exitcode.OK, r.code, r.stdout+r.stderr)
				return
			}
			require.Equal(t, exitcode.Negative, r.code)
			for _, d := range tc.denied {
				require.Contains(t, strings.Join(policyErrors, "\n"), d)
			}
		})
	}
}
