package scripts_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// pinStepName is the step every job of the reusable workflows starts with:
// it decides which ecsflow commit the rest of the job checks out and runs.
const pinStepName = "Resolve the ecsflow pin"

type workflowStep struct {
	Name string            `yaml:"name"`
	Env  map[string]string `yaml:"env"`
	Run  string            `yaml:"run"`
}

// pinSteps returns the pin step of every job that has one, keyed by
// workflow file, job id and step name.
func pinSteps(t *testing.T) map[string]workflowStep {
	t.Helper()
	return stepsWhere(t, func(s workflowStep) bool { return s.Name == pinStepName })
}

// stepsWhere returns the steps of the reusable workflows that keep
// accepts, keyed by workflow file, job id and step name.
func stepsWhere(t *testing.T, keep func(workflowStep) bool) map[string]workflowStep {
	t.Helper()
	files, err := filepath.Glob("../.github/workflows/*.yml")
	require.NoError(t, err)
	steps := map[string]workflowStep{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var wf struct {
			Jobs map[string]struct {
				Steps []workflowStep `yaml:"steps"`
			} `yaml:"jobs"`
		}
		require.NoError(t, yaml.Unmarshal(raw, &wf), f)
		for id, job := range wf.Jobs {
			for _, s := range job.Steps {
				if keep(s) {
					steps[filepath.Base(f)+"/"+id+"/"+s.Name] = s
				}
			}
		}
	}
	return steps
}

// The pin step is written out in every job (a job cannot call a script
// before it knows which ecsflow to check out); every copy must be the same.
func TestPinStepIsTheSameInEveryJob(t *testing.T) {
	t.Parallel()
	steps := pinSteps(t)
	require.GreaterOrEqual(t, len(steps), 10, "the reusable workflows' jobs resolve the pin")
	var first string
	var want workflowStep
	for where, s := range steps {
		if first == "" {
			first, want = where, s
			continue
		}
		assert.Equal(t, want.Run, s.Run, "%s's pin step differs from %s's: keep every copy identical", where, first)
		assert.Equal(t, want.Env, s.Env, "%s's pin step env differs from %s's", where, first)
	}
}

// fakeJWT is an unsigned token with the given claims: the step reads the
// claims of the token GitHub gave it and does not verify it (AWS does).
func fakeJWT(t *testing.T, claims map[string]string) string {
	t.Helper()
	body, err := json.Marshal(claims)
	require.NoError(t, err)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + enc.EncodeToString(body) + ".c2ln"
}

// oidcServer stands in for the runner's token endpoint
// (ACTIONS_ID_TOKEN_REQUEST_URL): it answers with the token, or with
// status when it is not 200.
func oidcServer(t *testing.T, jwt string, status int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer request-token" || r.URL.Query().Get("audience") == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if status != http.StatusOK {
			http.Error(w, "no", status)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"value": jwt})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/token?api-version=2.0"
}

type pinRun struct {
	outputs map[string]string
	stdout  string
	code    int
}

func runPinStep(t *testing.T, step workflowStep, env map[string]string) pinRun {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "output")
	require.NoError(t, os.WriteFile(out, nil, 0o600))
	cmd := exec.Command("bash", "-e", "-c", step.Run)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "GITHUB_OUTPUT=" + out, "GITHUB_WORKSPACE=" + dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.CombinedOutput()
	r := pinRun{outputs: map[string]string{}, stdout: string(stdout)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	raw, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			r.outputs[k] = v
		}
	}
	return r
}

func TestPinStep(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"curl", "jq", "base64"} {
		_, err := exec.LookPath(tool)
		require.NoError(t, err, "the pin step needs %s, as hosted runners have", tool)
	}
	steps := pinSteps(t)
	require.NotEmpty(t, steps)
	var step workflowStep
	for _, s := range steps {
		step = s
		break
	}
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tagged := fakeJWT(t, map[string]string{
		"job_workflow_ref": "acme/ecsflow-fork/.github/workflows/phase1-deploy.yml@refs/tags/v1.4.2",
		"job_workflow_sha": sha,
	})
	token := func(url string) map[string]string {
		return map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": url, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token"}
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{"ECSFLOW_REPOSITORY": "ecsflow/ecsflow", "ECSFLOW_REF": ""}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name    string
		env     map[string]string
		code    int
		outputs map[string]string
		says    []string
	}{
		{name: "token decides repository and commit", env: with(token(oidcServer(t, tagged, 200))),
			outputs: map[string]string{"repository": "acme/ecsflow-fork", "ref": sha}},
		{name: "ecsflow-ref equal to the tag agrees", env: with(token(oidcServer(t, tagged, 200)), "ECSFLOW_REF", "v1.4.2"),
			outputs: map[string]string{"repository": "acme/ecsflow-fork", "ref": sha}},
		{name: "ecsflow-ref equal to the commit agrees", env: with(token(oidcServer(t, tagged, 200)), "ECSFLOW_REF", sha),
			outputs: map[string]string{"repository": "acme/ecsflow-fork", "ref": sha}},
		{name: "ecsflow-ref that differs from the pin fails", env: with(token(oidcServer(t, tagged, 200)), "ECSFLOW_REF", "v1"),
			code: 2, says: []string{"::error", "ecsflow-ref v1 disagrees", "@refs/tags/v1.4.2", sha, "remove ecsflow-ref"}},
		{name: "no token: ecsflow-ref decides (act)", env: with(nil, "ECSFLOW_REF", "v1.4.2"),
			outputs: map[string]string{"repository": "ecsflow/ecsflow", "ref": "v1.4.2"}},
		{name: "no token and no ecsflow-ref fails", env: with(nil),
			code: 2, says: []string{"::error", "id-token: write", "ecsflow-ref"}},
		{name: "local checkout", env: with(nil, "ECSFLOW_REF", "local"),
			outputs: map[string]string{"local": "true"}},
		{name: "token without job_workflow claims: ecsflow-ref decides",
			env:     with(token(oidcServer(t, fakeJWT(t, map[string]string{"sub": "repo:acme/app:ref:refs/heads/main"}), 200)), "ECSFLOW_REF", "v1.4.2"),
			outputs: map[string]string{"repository": "ecsflow/ecsflow", "ref": "v1.4.2"}},
		{name: "token endpoint refuses", env: with(token(oidcServer(t, tagged, http.StatusForbidden))),
			code: 2, says: []string{"::error", "OIDC token", "id-token: write"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runPinStep(t, step, tc.env)
			require.Equal(t, tc.code, r.code, r.stdout)
			for k, v := range tc.outputs {
				assert.Equal(t, v, r.outputs[k], "output %s", k)
			}
			if tc.code != 0 {
				assert.Empty(t, r.outputs["ref"], "a failed pin writes no ref")
			}
			for _, s := range tc.says {
				assert.Contains(t, r.stdout, s)
			}
		})
	}
}
