package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/rules"
	"github.com/ecsflow/ecsflow/internal/testenv/ghatest"
)

var spec = func() []byte {
	b, err := os.ReadFile("../../actions/validate/action.yml")
	if err != nil {
		panic(err)
	}
	return b
}()

type run struct {
	code    int
	stdout  string
	stderr  string
	outputs map[string]string
	summary string
	dir     string
}

// invoke runs the action through cli.Run with a fake environment, as the
// runner would (GITHUB_ACTIONS=true, output and summary files).
func invoke(t *testing.T, opts Deps, env map[string]string, args ...string) run {
	t.Helper()
	dir := t.TempDir()
	out, sum := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	for _, f := range []string{out, sum} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": sum,
		"INPUT_SARIF-FILE": filepath.Join(dir, "validate.sarif")}
	for k, v := range env {
		vars[k] = v
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	if opts.Workspace == "" {
		// relative inputs name testdata here; this directory holds no
		// .github/workflows, so no workflows unless a test puts some there
		opts.Workspace = packageDir(t)
	}
	if opts.Shellcheck == "" {
		opts.Shellcheck = "off"
	}
	var stdout, stderr bytes.Buffer
	cmd := cli.Command{Spec: spec, Run: func(ctx context.Context, e *cli.Env) error { return Run(ctx, e, opts) }}
	code := cli.Run(context.Background(), cmd, args, &stdout, &stderr, lookup)
	r := run{code: code, stdout: stdout.String(), stderr: stderr.String(), dir: dir}
	r.outputs = readOutputs(t, out)
	b, _ := os.ReadFile(sum)
	r.summary = string(b)
	return r
}

// packageDir is the working directory of the tests, as an absolute path.
func packageDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// readOutputs parses $GITHUB_OUTPUT as the runner does.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	out, err := ghatest.ReadFileCommands(path)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func errorLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "::error") && !strings.Contains(l, "file=") {
			out = append(out, l)
		}
	}
	return out
}

func TestBadInputExitsTwoNamingTheInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badVars := filepath.Join(dir, "bad.tfvars")
	badPlan := filepath.Join(dir, "plan.json")
	badCfg := filepath.Join(dir, "cfg.yml")
	notPlan := filepath.Join(dir, "notplan.json")
	notObject := filepath.Join(dir, "list.json")
	for p, c := range map[string]string{badVars: "x = \n", badPlan: "{not json", badCfg: "rules:\n  EF999: off\n", notPlan: `{"a": 1}`, notObject: `[1, 2]`} {
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := "testdata/ok"
	cases := []struct {
		name  string
		env   map[string]string
		input string
		want  string
	}{
		{"missing path", map[string]string{"INPUT_PATH": "no/such/dir"}, "path", "does not exist"},
		{"path glob without match", map[string]string{"INPUT_PATH": "no/such/*"}, "path", "matches no directory"},
		{"path is a file", map[string]string{"INPUT_PATH": "testdata/ok/main.tf"}, "path", "is not a directory"},
		{"missing var file", map[string]string{"INPUT_PATH": good, "INPUT_VAR-FILES": "nope.tfvars"}, "var-files", "does not exist (looked for "},
		{"unparsable var file", map[string]string{"INPUT_PATH": good, "INPUT_VAR-FILES": badVars}, "var-files", "Invalid expression"},
		{"malformed plan", map[string]string{"INPUT_PATH": good, "INPUT_PLAN-JSON": badPlan}, "plan-json", "not valid JSON"},
		{"not a plan", map[string]string{"INPUT_PATH": good, "INPUT_PLAN-JSON": notPlan}, "plan-json", "no format_version"},
		{"missing plan", map[string]string{"INPUT_PATH": good, "INPUT_PLAN-JSON": "nope.json"}, "plan-json", "does not exist (looked for "},
		{"unknown rule in config", map[string]string{"INPUT_PATH": good, "INPUT_CONFIG": badCfg}, "config", `unknown rule ID "EF999"`},
		{"missing config", map[string]string{"INPUT_PATH": good, "INPUT_CONFIG": "nope.yml"}, "config", "does not exist (looked for "},
		{"bad fail-on", map[string]string{"INPUT_PATH": good, "INPUT_FAIL-ON": "sometimes"}, "fail-on", "allowed: error, never, note, warning"},
		{"bad comment", map[string]string{"INPUT_PATH": good, "INPUT_COMMENT": "maybe"}, "comment", "not a boolean"},
		{"comment without token", map[string]string{"INPUT_PATH": good, "INPUT_COMMENT": "true"}, "github-token", "required when comment is true"},
		{"sarif file names a directory", map[string]string{"INPUT_PATH": good, "INPUT_SARIF-FILE": "out/"}, "sarif-file", "is a directory"},
		{"task definitions without match", map[string]string{"INPUT_PATH": good, "INPUT_TASK-DEFINITIONS": "testdata/*.nothing"}, "task-definitions", "matches no file"},
		{"missing policy directory", map[string]string{"INPUT_PATH": good, "INPUT_POLICIES": "no/such/dir"}, "policies", "does not exist (looked for "},
		{"policies names a file", map[string]string{"INPUT_PATH": good, "INPUT_POLICIES": "testdata/policies/data.yaml"}, "policies", "is not a directory"},
		{"policy data of another kind", map[string]string{"INPUT_PATH": good, "INPUT_POLICIES": "testdata/policies/org", "INPUT_POLICY-DATA": "testdata/ok/main.tf"}, "policy-data", "is not a .json, .yaml or .yml file"},
		{"policy data without policies", map[string]string{"INPUT_PATH": good, "INPUT_POLICY-DATA": "testdata/policies/data.yaml"}, "policy-data", "without policies"},
		{"policy data that is not an object", map[string]string{"INPUT_PATH": good, "INPUT_POLICIES": "testdata/policies/org", "INPUT_POLICY-DATA": notObject}, "policy-data", "is not a JSON or YAML object"},
		{"namespace that is no package", map[string]string{"INPUT_PATH": good, "INPUT_POLICIES": "testdata/policies/org", "INPUT_POLICY-NAMESPACE": "main, org/ecs"}, "policy-namespace", "is not a Rego package name"},
		{"policy that does not compile", map[string]string{"INPUT_PATH": good, "INPUT_POLICIES": "testdata/policies/broken"}, "policies", "testdata/policies/broken/bad.rego:5: unexpected }"},
		{"policy failing at run time", map[string]string{"INPUT_PATH": good, "INPUT_POLICIES": "testdata/policies/runtime"}, "policies", "testdata/policies/runtime/div.rego:5: data.main.deny failed: to_number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, Deps{}, tc.env)
			if r.code != exitcode.BadInput {
				t.Fatalf("exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
			}
			errs := errorLines(r.stdout)
			if len(errs) != 1 {
				t.Fatalf("want exactly one ::error line, got %d:\n%s", len(errs), r.stdout)
			}
			if !strings.Contains(errs[0], `input "`+tc.input+`"`) || !strings.Contains(errs[0], tc.want) {
				t.Errorf("error line %q should name input %q and say %q", errs[0], tc.input, tc.want)
			}
			if _, err := os.Stat(filepath.Join(r.dir, "validate.sarif")); err == nil {
				t.Error("nothing must be written on bad input")
			}
		})
	}
}

// TestExampleStackHasNoErrors runs the action on the example stack with
// each environment's var file: the example is the model of good practice.
func TestExampleStackHasNoErrors(t *testing.T) {
	t.Parallel()
	root := "../../examples/open-webui/terraform"
	if _, err := os.Stat(root); err != nil {
		t.Fatalf("example stack missing: %v", err)
	}
	envs, _ := filepath.Glob(filepath.Join(root, "environments", "*.tfvars"))
	for _, vf := range append([]string{""}, envs...) {
		name := filepath.Base(vf)
		t.Run("vars="+name, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, Deps{}, map[string]string{"INPUT_PATH": root + "\n../../examples/open-webui/bootstrap", "INPUT_VAR-FILES": vf,
				"INPUT_TASK-DEFINITIONS": "../../examples/open-webui/task-definitions/*.json"})
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			if r.outputs["errors"] != "0" {
				t.Errorf("errors = %s\n%s", r.outputs["errors"], r.stdout)
			}
			if !strings.Contains(r.summary, "## ecsflow validate") {
				t.Errorf("no job summary: %q", r.summary)
			}
			var sarif struct {
				Version string `json:"version"`
				Runs    []struct {
					Results []json.RawMessage `json:"results"`
				} `json:"runs"`
			}
			b, err := os.ReadFile(r.outputs["sarif-file"])
			if err != nil || json.Unmarshal(b, &sarif) != nil || sarif.Version != "2.1.0" {
				t.Errorf("SARIF not written: %v", err)
			}
		})
	}
}

// TestBadStackReportsEveryPlantedDefect runs on a copy of the example with
// defects planted (testdata/badstack/PLANTED lists rule and file).
func TestBadStackReportsEveryPlantedDefect(t *testing.T) {
	t.Parallel()
	r := invoke(t, Deps{}, map[string]string{"INPUT_PATH": "testdata/badstack"})
	if r.code != exitcode.Negative {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stdout)
	}
	var rep Report
	b, err := os.ReadFile(r.outputs["report-json"])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range rep.Findings {
		have[f.RuleID+" "+filepath.Base(f.File)] = true
	}
	planted, err := os.ReadFile("testdata/badstack/PLANTED")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(planted)), "\n") {
		if !have[l] {
			t.Errorf("planted defect %q not reported", l)
		}
	}
	// Annotations carry file, line and title.
	if !strings.Contains(r.stdout, "file=testdata/badstack/planted.tf,line=8,title=EF501 Security group open") {
		t.Errorf("annotations missing:\n%s", r.stdout)
	}
	if rep.Counts.Error == 0 || r.outputs["errors"] == "0" || r.outputs["findings"] == "" {
		t.Errorf("outputs %v counts %+v", r.outputs, rep.Counts)
	}
	if !strings.Contains(r.summary, "### Errors") || !strings.Contains(r.summary, "terraform fmt diff: ") {
		t.Errorf("summary lacks severity groups or the fmt diff:\n%s", r.summary)
	}
}

func TestFailOnThreshold(t *testing.T) {
	t.Parallel()
	cases := map[string]int{"error": 0, "warning": 1, "note": 1, "never": 0}
	for failOn, want := range cases {
		t.Run(failOn, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, Deps{}, map[string]string{"INPUT_PATH": "testdata/warnings", "INPUT_FAIL-ON": failOn})
			if r.code != want {
				t.Errorf("fail-on %s: exit %d, want %d\n%s", failOn, r.code, want, r.stdout)
			}
		})
	}
	r := invoke(t, Deps{}, map[string]string{"INPUT_PATH": "testdata/badstack", "INPUT_FAIL-ON": "never"})
	if r.code != 0 {
		t.Errorf("fail-on never must pass with errors: %d", r.code)
	}
}

func TestFlagsOutsideActions(t *testing.T) {
	t.Parallel()
	sarif := filepath.Join(t.TempDir(), "out", "v.sarif")
	var stdout, stderr bytes.Buffer
	cmd := cli.Command{Spec: spec, Run: func(ctx context.Context, e *cli.Env) error {
		return Run(ctx, e, Deps{Workspace: t.TempDir(), Shellcheck: "off"})
	}}
	code := cli.Run(context.Background(), cmd, []string{"--path=" + filepath.Join(packageDir(t), "testdata/ok"), "--sarif-file", sarif}, &stdout, &stderr, func(string) (string, bool) { return "", false })
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(sarif); err != nil {
		t.Errorf("SARIF not written to a new directory: %v", err)
	}
	if _, err := os.Stat(strings.TrimSuffix(sarif, ".sarif") + ".report.json"); err != nil {
		t.Errorf("JSON report not written: %v", err)
	}
	if !strings.Contains(stdout.String(), "outputs:") {
		t.Errorf("local run should print outputs:\n%s", stdout.String())
	}
}

func TestWorkflowsAreLinted(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	wf := filepath.Join(ws, ".github", "workflows")
	if err := os.MkdirAll(wf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wf, "ci.yml"), []byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := invoke(t, Deps{Workspace: ws}, map[string]string{"INPUT_PATH": filepath.Join(packageDir(t), "testdata/ok")})
	if r.code != exitcode.Negative || !strings.Contains(r.stdout, "EF911") {
		t.Fatalf("workflow problem not reported (exit %d):\n%s", r.code, r.stdout)
	}
}

// fakeGitHub serves the issue-comment endpoints validate uses.
type fakeGitHub struct {
	mu       sync.Mutex
	comments []map[string]any
	nextID   int
	calls    []string
	auth     []string
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, r.Method+" "+r.URL.Path)
	g.auth = append(g.auth, r.Header.Get("Authorization"))
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/repos/o/r/issues/7/comments":
		_ = json.NewEncoder(w).Encode(g.comments)
	case r.Method == http.MethodPost && r.URL.Path == "/repos/o/r/issues/7/comments":
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		g.nextID++
		g.comments = append(g.comments, map[string]any{"id": 1000 + g.nextID, "body": body["body"]})
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "{}")
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/repos/o/r/issues/comments/"):
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		for _, c := range g.comments {
			if "/repos/o/r/issues/comments/"+jsonNum(c["id"]) == r.URL.Path {
				c["body"] = body["body"]
			}
		}
		_, _ = io.WriteString(w, "{}")
	default:
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	}
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPullRequestCommentIsUpserted(t *testing.T) {
	t.Parallel()
	gh := &fakeGitHub{comments: []map[string]any{{"id": 1, "body": "unrelated review comment"}}}
	srv := httptest.NewServer(gh)
	defer srv.Close()
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"pull_request": {"number": 7}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"INPUT_PATH": "testdata/warnings", "INPUT_COMMENT": "true", "INPUT_GITHUB-TOKEN": "ghs_secrettoken123",
		"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": event}
	opts := Deps{APIURL: srv.URL, HTTPClient: srv.Client()}
	for i := 0; i < 2; i++ {
		r := invoke(t, opts, env)
		if r.code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i, r.code, r.stdout)
		}
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.Contains(l, "ghs_secrettoken123") && l != "::add-mask::ghs_secrettoken123" {
				t.Fatalf("token leaked into the log: %q", l)
			}
		}
	}
	gh.mu.Lock()
	defer gh.mu.Unlock()
	if len(gh.comments) != 2 {
		t.Fatalf("want the unrelated comment and one validate comment, got %d", len(gh.comments))
	}
	body, _ := gh.comments[1]["body"].(string)
	if !strings.HasPrefix(body, "<!-- ecsflow-validate: testdata/warnings -->\n") || !strings.Contains(body, "EF701") {
		t.Errorf("comment body: %q", body)
	}
	want := []string{"GET /repos/o/r/issues/7/comments", "POST /repos/o/r/issues/7/comments", "GET /repos/o/r/issues/7/comments", "PATCH /repos/o/r/issues/comments/1001"}
	if strings.Join(gh.calls, ",") != strings.Join(want, ",") {
		t.Errorf("calls %v, want %v", gh.calls, want)
	}
	for _, a := range gh.auth {
		if a != "Bearer ghs_secrettoken123" {
			t.Errorf("auth header %q", a)
		}
	}
}

func TestCommentFailureIsAWarningNotAVerdict(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message":"Resource not accessible by integration"}`, http.StatusForbidden)
	}))
	defer srv.Close()
	r := invoke(t, Deps{APIURL: srv.URL, HTTPClient: srv.Client()}, map[string]string{"INPUT_PATH": "testdata/ok", "INPUT_COMMENT": "true",
		"INPUT_GITHUB-TOKEN": "tok-abcdef", "GITHUB_REPOSITORY": "o/r", "GITHUB_REF": "refs/pull/7/merge"})
	if r.code != 0 || !strings.Contains(r.stdout, "::warning::could not update the pull request comment") || !strings.Contains(r.stdout, "pull-requests: write") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
}

func TestPullRequestNumber(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ev := func(s string) string {
		p := filepath.Join(dir, strings.ReplaceAll(s, "/", "_")[:10]+".json")
		_ = os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	cases := []struct {
		env  map[string]string
		want int
	}{
		{map[string]string{"GITHUB_EVENT_PATH": ev(`{"pull_request": {"number": 12}}`)}, 12},
		{map[string]string{"GITHUB_EVENT_PATH": ev(`{"issue": {"number": 5, "pull_request": {"url": "x"}}}`)}, 5},
		{map[string]string{"GITHUB_REF": "refs/pull/9/merge"}, 9},
		{map[string]string{"GITHUB_REF": "refs/heads/main"}, 0},
	}
	for _, tc := range cases {
		n, _ := PullRequestNumber(func(k string) string { return tc.env[k] })
		if n != tc.want {
			t.Errorf("%v: got %d, want %d", tc.env, n, tc.want)
		}
	}
}

func TestAnnotationOfFinding(t *testing.T) {
	t.Parallel()
	a := Annotation(rules.Finding{RuleID: "EF201", Title: "Invalid", Severity: rules.Error, File: "a/b.tf", Line: 3, Column: 4, EndLine: 5, Message: "m", Remediation: "fix it"})
	if a.Level != "error" || a.Title != "EF201 Invalid" || a.File != "a/b.tf" || a.Line != 3 || a.Col != 4 || a.EndLine != 5 || a.Message != "m. Fix: fix it" {
		t.Errorf("%+v", a)
	}
}

func TestPlanAnalysisInSummary(t *testing.T) {
	t.Parallel()
	r := invoke(t, Deps{}, map[string]string{"INPUT_PATH": "testdata/ok", "INPUT_PLAN-JSON": "../planjson/testdata/plan.json"})
	// The plan deletes an ECS service: EF901 is an error.
	if r.code != exitcode.Negative || !strings.Contains(r.stdout, "EF901") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	for _, want := range []string{"### Plan", "5 to add, 1 to change, 1 to replace, 2 to destroy", "**Fargate cost:**", "us-east-1 prices",
		"`aws_ecs_service.app`", "Not estimated (size or count known only after apply): aws_ecs_service.later"} {
		if !strings.Contains(r.summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.summary)
		}
	}
	var rep Report
	b, _ := os.ReadFile(r.outputs["report-json"])
	if err := json.Unmarshal(b, &rep); err != nil || rep.Plan == nil || rep.Plan.Cost.Delta >= 0 || len(rep.Plan.Cost.Services) != 3 {
		t.Errorf("plan in report: %+v %v", rep.Plan, err)
	}
}

func TestEmptyRootIsAWarning(t *testing.T) {
	t.Parallel()
	r := invoke(t, Deps{}, map[string]string{"INPUT_PATH": t.TempDir()})
	if r.code != 0 || !strings.Contains(r.stdout, "holds no .tf or .tf.json file") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
}

func TestAbsolutePathsInsideTheWorkspaceBecomeRelative(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if got := workspaceRelative(filepath.Join(wd, "testdata", "ok")); got != filepath.Join("testdata", "ok") {
		t.Errorf("got %s", got)
	}
	if got := workspaceRelative("/elsewhere/plan.json"); got != "/elsewhere/plan.json" {
		t.Errorf("got %s", got)
	}
	if got := workspaceRelative("./a/../b"); got != "b" {
		t.Errorf("got %s", got)
	}
}

func TestConfigChangesTheVerdict(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	raise := filepath.Join(dir, "raise.yml")
	ignore := filepath.Join(dir, "ignore.yml")
	if err := os.WriteFile(raise, []byte("rules:\n  EF701: error\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ignore, []byte("ignore:\n  - rule: EF701\n    resources: [aws_cloudwatch_log_group.app]\n    reason: short-lived test stack\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := invoke(t, Deps{}, map[string]string{"INPUT_PATH": "testdata/warnings", "INPUT_CONFIG": raise})
	if r.code != exitcode.Negative || r.outputs["errors"] != "1" {
		t.Errorf("severity override: exit %d, errors %s", r.code, r.outputs["errors"])
	}
	r = invoke(t, Deps{}, map[string]string{"INPUT_PATH": "testdata/warnings", "INPUT_CONFIG": ignore, "INPUT_FAIL-ON": "warning"})
	if r.code != 0 || r.outputs["findings"] != "0" || !strings.Contains(r.summary, "short-lived test stack") {
		t.Errorf("ignore: exit %d, findings %s\n%s", r.code, r.outputs["findings"], r.summary)
	}
}

// An input echoed into an output cannot forge other outputs: a sarif-file
// name that carries go-githubactions' fixed heredoc delimiter and a fake
// output comes back whole as sarif-file, and findings stays the count.
func TestHostileSarifFileCannotInjectOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const d = "_GitHubActionsFileCommandDelimeter_"
	hostile := filepath.Join(dir, "a.sarif\n"+d+"\ninjected=owned\nfindings=0\nsarif-file<<"+d+"\nb.sarif")
	r := invoke(t, Deps{}, map[string]string{"INPUT_PATH": "testdata/warnings", "INPUT_FAIL-ON": "never", "INPUT_SARIF-FILE": hostile, "RUNNER_TEMP": dir})
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	if r.outputs["sarif-file"] != hostile {
		t.Errorf("sarif-file output = %q, want the input %q", r.outputs["sarif-file"], hostile)
	}
	if _, ok := r.outputs["injected"]; ok {
		t.Errorf("an output was injected: %v", r.outputs)
	}
	if r.outputs["findings"] == "0" {
		t.Errorf("findings was overwritten by the input: %v", r.outputs)
	}
	if _, err := os.Stat(hostile); err != nil {
		t.Errorf("the SARIF file was not written where asked: %v", err)
	}
}

// Files validate writes stay in the workspace or the runner's temp
// directory: a relative path resolves against the workspace, an absolute
// one must lie inside one of them, and neither .. nor a symlink leads out.
// A refused path is bad input (exit 2) and nothing is written.
func TestWrittenFilesStayInTheWorkspace(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		sarif   func(ws, tmp, outside string) string
		written func(ws, tmp, outside string) string // "" when refused
	}{
		{"relative in a new directory", func(_, _, _ string) string { return "reports/ci/validate.sarif" },
			func(ws, _, _ string) string { return filepath.Join(ws, "reports/ci/validate.sarif") }},
		{"absolute in the workspace", func(ws, _, _ string) string { return filepath.Join(ws, "v.sarif") },
			func(ws, _, _ string) string { return filepath.Join(ws, "v.sarif") }},
		{"absolute in the runner temp", func(_, tmp, _ string) string { return filepath.Join(tmp, "out", "v.sarif") },
			func(_, tmp, _ string) string { return filepath.Join(tmp, "out", "v.sarif") }},
		{"relative escape", func(_, _, _ string) string { return "../escape/v.sarif" }, nil},
		{"dot-dot inside an absolute path", func(ws, _, _ string) string { return ws + "/../escape/v.sarif" }, nil},
		{"absolute elsewhere", func(_, _, outside string) string { return filepath.Join(outside, "new", "v.sarif") }, nil},
		{"symlinked directory", func(_, _, _ string) string { return "link/v.sarif" }, nil},
		{"symlinked file", func(_, _, _ string) string { return "file-link.sarif" }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws, tmp, outside := t.TempDir(), t.TempDir(), t.TempDir()
			if err := os.Symlink(outside, filepath.Join(ws, "link")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(outside, "target.sarif"), filepath.Join(ws, "file-link.sarif")); err != nil {
				t.Fatal(err)
			}
			sarif := tc.sarif(ws, tmp, outside)
			r := invoke(t, Deps{Workspace: ws}, map[string]string{"INPUT_PATH": filepath.Join(packageDir(t), "testdata/ok"), "INPUT_SARIF-FILE": sarif, "RUNNER_TEMP": tmp})
			if tc.written == nil {
				if r.code != 2 {
					t.Fatalf("%s: exit %d, want 2\n%s", sarif, r.code, r.stdout)
				}
				errs := errorLines(r.stdout)
				if len(errs) != 1 || !strings.Contains(errs[0], `input "sarif-file"`) || !strings.Contains(errs[0], "workspace") {
					t.Errorf("want one error naming sarif-file and the workspace rule, got %q", errs)
				}
				entries, _ := os.ReadDir(outside)
				if len(entries) != 0 {
					t.Errorf("files were written outside: %v", entries)
				}
				if _, err := os.Stat(filepath.Join(filepath.Dir(ws), "escape")); err == nil {
					t.Errorf("a directory was created beside the workspace")
				}
				return
			}
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stdout)
			}
			want := tc.written(ws, tmp, outside)
			if _, err := os.Stat(want); err != nil {
				t.Errorf("SARIF not written at %s: %v", want, err)
			}
			if _, err := os.Stat(strings.TrimSuffix(want, ".sarif") + ".report.json"); err != nil {
				t.Errorf("report not written beside it: %v", err)
			}
		})
	}
}
