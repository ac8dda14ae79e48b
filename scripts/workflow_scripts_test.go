package scripts_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func script(t *testing.T, dir string, env []string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	abs, err := filepath.Abs(name)
	require.NoError(t, err)
	cmd := exec.Command("bash", append([]string{abs}, args...)...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String(), errb.String(), code
}

// gitRepo makes a repository with three services and returns it and the
// commit before a change to mcpo's build context only.
func servicesRepo(t *testing.T) (dir, base string) {
	t.Helper()
	dir = t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	write := func(p, body string) {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644))
	}
	run("init", "-q")
	for _, s := range []string{"open-webui", "bedrock-access-gateway", "mcpo"} {
		write("services/"+s+"/Dockerfile", "FROM scratch\n")
		write("task-definitions/"+s+".json", "{}\n")
	}
	run("add", ".")
	run("commit", "-q", "-m", "one")
	base = run("rev-parse", "HEAD")
	return dir, base
}

func TestChangedServices(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change map[string]string
		base   func(base string) string
		want   string
	}{
		{name: "context of one service", change: map[string]string{"services/mcpo/config.json": "{}"}, want: `["mcpo"]`},
		{name: "task definition only", change: map[string]string{"task-definitions/open-webui.json": `{"cpu":"2048"}`}, want: `["open-webui"]`},
		{name: "nothing relevant", change: map[string]string{"README.md": "x"}, want: `[]`},
		{name: "no base: everything", change: map[string]string{"README.md": "x"}, base: func(string) string { return "" },
			want: `["bedrock-access-gateway","mcpo","open-webui"]`},
		{name: "all-zero base (new branch): everything", change: map[string]string{"README.md": "x"},
			base: func(string) string { return strings.Repeat("0", 40) }, want: `["bedrock-access-gateway","mcpo","open-webui"]`},
		{name: "base not in the clone: everything", change: map[string]string{"README.md": "x"},
			base: func(string) string { return strings.Repeat("a", 40) }, want: `["bedrock-access-gateway","mcpo","open-webui"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, base := servicesRepo(t)
			for p, body := range tc.change {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644))
			}
			cmd := exec.Command("git", "-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "two")
			cmd.Env = os.Environ()
			_ = exec.Command("git", "-C", dir, "add", ".").Run()
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
			if tc.base != nil {
				base = tc.base(base)
			}
			stdout, stderr, code := script(t, dir, nil, "changed-services.sh", "services", "task-definitions", base)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, tc.want+"\n", stdout)
			var names []string
			require.NoError(t, json.Unmarshal([]byte(stdout), &names), "output is JSON")
		})
	}
}

func TestChangedServicesBadInput(t *testing.T) {
	t.Parallel()
	_, stderr, code := script(t, t.TempDir(), nil, "changed-services.sh", "nope", "task-definitions", "")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "services directory nope does not exist")
	_, stderr, code = script(t, t.TempDir(), nil, "changed-services.sh", "only-one")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage:")
}

func TestDeployInputs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		services string
		order    string
		want     string
	}{
		{
			name: "waves keep only the services deployed", services: `["mcpo","open-webui"]`,
			order: "bedrock-access-gateway,mcpo > open-webui",
			want: "services<<EOF\nmcpo\nopen-webui\nEOF\n" +
				"images<<EOF\nmcpo=reg.example/ecsflow/mcpo:abc\nopen-webui=reg.example/ecsflow/open-webui:abc\nEOF\n" +
				"task-definitions<<EOF\nmcpo=td/mcpo.json\nopen-webui=td/open-webui.json\nEOF\n" +
				"order=mcpo > open-webui\n",
		},
		{
			name: "a wave left empty disappears", services: `["open-webui"]`,
			order: "bedrock-access-gateway , mcpo>open-webui",
			want: "services<<EOF\nopen-webui\nEOF\nimages<<EOF\nopen-webui=reg.example/ecsflow/open-webui:abc\nEOF\n" +
				"task-definitions<<EOF\nopen-webui=td/open-webui.json\nEOF\norder=open-webui\n",
		},
		{
			name: "no order", services: `["mcpo"]`,
			want: "services<<EOF\nmcpo\nEOF\nimages<<EOF\nmcpo=reg.example/ecsflow/mcpo:abc\nEOF\n" +
				"task-definitions<<EOF\nmcpo=td/mcpo.json\nEOF\norder=\n",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := script(t, t.TempDir(), nil, "deploy-inputs.sh", tc.services, "reg.example/ecsflow/", "abc", "td/", tc.order)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, tc.want, stdout)
		})
	}
	for _, bad := range [][]string{{"[]", "reg/x", "abc", "td"}, {"not json", "reg/x", "abc", "td"}, {`["a"]`, "", "abc", "td"}, {"only"}} {
		_, _, code := script(t, t.TempDir(), nil, "deploy-inputs.sh", bad...)
		assert.Equal(t, 2, code, "%q", bad)
	}
}

// strategy-groups gives each service its strategy and splits a deployment
// into groups deploy-ecs can take, one strategy each.
func TestStrategyGroups(t *testing.T) {
	t.Parallel()
	groups := func(keep, rolling, linear, canary, blueGreen string) string {
		return "services-keep=" + keep + "\nservices-rolling=" + rolling + "\nservices-linear=" + linear +
			"\nservices-canary=" + canary + "\nservices-blue-green=" + blueGreen + "\n"
	}
	all := `["bedrock-access-gateway","mcpo","open-webui"]`
	cases := []struct {
		name, services, spec, order, want string
	}{
		{"one strategy for all", all, "rolling", "",
			"strategy=rolling\nstrategies={\"bedrock-access-gateway\":\"rolling\",\"mcpo\":\"rolling\",\"open-webui\":\"rolling\"}\n" +
				groups("[]", all, "[]", "[]", "[]")},
		{"the ALB service canaries, the others roll", all, `{"open-webui":"canary","*":"rolling"}`, "bedrock-access-gateway,mcpo > open-webui",
			"strategy=bedrock-access-gateway=rolling,mcpo=rolling,open-webui=canary\n" +
				"strategies={\"bedrock-access-gateway\":\"rolling\",\"mcpo\":\"rolling\",\"open-webui\":\"canary\"}\n" +
				groups("[]", `["bedrock-access-gateway","mcpo"]`, "[]", `["open-webui"]`, "[]")},
		{"only the ALB service changed", `["open-webui"]`, `{"open-webui":"blue-green","*":"rolling"}`, "bedrock-access-gateway,mcpo > open-webui",
			"strategy=blue-green\nstrategies={\"open-webui\":\"blue-green\"}\n" + groups("[]", "[]", "[]", "[]", `["open-webui"]`)},
		{"not listed, no default: the service keeps its own", `["mcpo","open-webui"]`, `{"open-webui":"linear"}`, "",
			"strategy=mcpo=,open-webui=linear\nstrategies={\"mcpo\":\"\",\"open-webui\":\"linear\"}\n" +
				groups(`["mcpo"]`, "[]", `["open-webui"]`, "[]", "[]")},
		{"empty: every service keeps its own", `["mcpo"]`, "", "", "strategy=\nstrategies={\"mcpo\":\"\"}\n" + groups(`["mcpo"]`, "[]", "[]", "[]", "[]")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := script(t, t.TempDir(), nil, "strategy-groups.sh", tc.services, tc.spec, tc.order)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, tc.want, stdout)
		})
	}
	bad := []struct {
		name, services, spec, order, words string
	}{
		{"unknown strategy", all, `{"mcpo":"yolo","*":"rolling"}`, "", `service mcpo: strategy "yolo" is not allowed`},
		{"not a string", all, `{"mcpo":3}`, "", "must be a string"},
		{"waves against the groups", all, `{"open-webui":"canary","*":"rolling"}`, "open-webui > mcpo",
			`input "order": mcpo (rolling) comes after open-webui (canary)`},
		{"services not JSON", "mcpo", "rolling", "", "is not a JSON array"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := script(t, t.TempDir(), nil, "strategy-groups.sh", tc.services, tc.spec, tc.order)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tc.words)
		})
	}
}

// deploy-result combines the deploy-ecs steps of the strategy groups into
// the outputs one step would have written.
func TestDeployResult(t *testing.T) {
	t.Parallel()
	rolling := `{"services":["bedrock-access-gateway","mcpo"],"outputs":{"status":"succeeded","task-definition-arn":"{\"bedrock-access-gateway\":\"gw:3\",\"mcpo\":\"mcpo:5\"}","previous-task-definition-arn":"{\"bedrock-access-gateway\":\"gw:2\",\"mcpo\":\"mcpo:4\"}","deployment-id":"{\"bedrock-access-gateway\":\"d1\",\"mcpo\":\"d2\"}","duration-seconds":"40"}}`
	canary := func(status string) string {
		return `{"services":["open-webui"],"outputs":{"status":"` + status + `","task-definition-arn":"webui:9","previous-task-definition-arn":"webui:8","deployment-id":"d3","duration-seconds":"95"}}`
	}
	skipped := `{"services":["x"],"outputs":{}}`
	cases := []struct {
		name   string
		groups []string
		// want is the whole output, or its first line with prefix
		want   string
		prefix bool
	}{
		{"one group: its outputs unchanged", []string{skipped, canary("succeeded")},
			"status=succeeded\ntask-definition-arn=webui:9\nprevious-task-definition-arn=webui:8\ndeployment-id=d3\nduration-seconds=95\n", false},
		{"two groups: the worst status, maps and the sum", []string{rolling, canary("rolled-back"), skipped},
			"status=rolled-back\n" +
				`task-definition-arn={"bedrock-access-gateway":"gw:3","mcpo":"mcpo:5","open-webui":"webui:9"}` + "\n" +
				`previous-task-definition-arn={"bedrock-access-gateway":"gw:2","mcpo":"mcpo:4","open-webui":"webui:8"}` + "\n" +
				`deployment-id={"bedrock-access-gateway":"d1","mcpo":"d2","open-webui":"d3"}` + "\nduration-seconds=135\n", false},
		{"failed wins over rolled-back", []string{canary("rolled-back"), canary("failed")}, "status=failed\n", true},
		{"a locked group makes the run locked", []string{canary("succeeded"), canary("locked")}, "status=locked\n", true},
		{"all succeeded", []string{canary("succeeded"), canary("succeeded")}, "status=succeeded\n", true},
		{"nothing ran: no outputs", []string{skipped}, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := script(t, t.TempDir(), nil, "deploy-result.sh", tc.groups...)
			require.Equal(t, 0, code, stderr)
			if tc.prefix {
				assert.True(t, strings.HasPrefix(stdout, tc.want), stdout)
				return
			}
			assert.Equal(t, tc.want, stdout)
		})
	}
	_, _, code := script(t, t.TempDir(), nil, "deploy-result.sh", "not json")
	assert.Equal(t, 2, code)
}

// notify posts one message per configured webhook, in each service's shape,
// and a webhook that fails is a warning, not a failed step.
func TestNotify(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string]map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if json.Unmarshal(body, &m) != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got[r.URL.Path] = m
		mu.Unlock()
		if r.URL.Path == "/broken" {
			http.Error(w, "gone", http.StatusGone)
		}
	}))
	t.Cleanup(srv.Close)
	env := []string{"SLACK_WEBHOOK_URL=" + srv.URL + "/slack", "TEAMS_WEBHOOK_URL=" + srv.URL + "/teams",
		"GITHUB_SERVER_URL=https://github.example", "GITHUB_REPOSITORY=o/r", "GITHUB_RUN_ID=42"}
	stdout, stderr, code := script(t, t.TempDir(), env, "notify.sh", "failure", "o/r deploy to prod", "deploy-ecs: rolled-back")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "sent to 2 webhook(s)")
	assert.NotContains(t, stdout, srv.URL, "webhook URLs are masked, never printed")
	want := "❌ o/r deploy to prod: failure — deploy-ecs: rolled-back (https://github.example/o/r/actions/runs/42)"
	mu.Lock()
	slack, teams := got["/slack"], got["/teams"]
	mu.Unlock()
	assert.Equal(t, want, slack["text"])
	card, _ := json.Marshal(teams)
	assert.Contains(t, string(card), `"type":"AdaptiveCard"`)
	assert.Contains(t, string(card), want)

	stdout, _, code = script(t, t.TempDir(), []string{"SLACK_WEBHOOK_URL=" + srv.URL + "/broken"}, "notify.sh", "success", "x")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "::warning title=notify::could not post to Slack")

	stdout, _, code = script(t, t.TempDir(), nil, "notify.sh", "success", "x")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "sent to 0 webhook(s)")
}
