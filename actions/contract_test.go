// Package actions_test proves the contract every ecsflow action keeps with
// its users (issue 2, "Done when"), on the binaries exactly as the release
// builds them:
//
//   - each binary stays within its size budget (16 MB, validate 40 MB,
//     drift-check 19 MB; see budgets);
//   - --help exits 0 and lists every input and output of its action.yml,
//     --version prints the version stamped in by the linker;
//   - bad input, given as INPUT_* inside Actions or as --flags outside,
//     exits 2 with exactly one error line that names the input, shows no
//     panic or Go stack trace, and makes no AWS or GitHub API call;
//   - an unknown flag exits 2 and suggests the closest input;
//   - action.yml files and the repository's workflows pin every third-party
//     action to a full commit SHA, actionlint (with shellcheck) reports
//     nothing for the workflows, and the root action.yml passes every input
//     of every action to its binary.
//
// The 50 ms --help goal is measured by BenchmarkHelp and
// scripts/bench/contract.sh, never asserted here.
package actions_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/ecsflow/ecsflow/internal/workflowlint"

	"github.com/ecsflow/ecsflow"
)

const (
	// stampedVersion is what the release's -X flag writes into each binary.
	stampedVersion = "v0.0.0-contract"
	module         = "github.com/ecsflow/ecsflow"
)

// budgets is the size budget of each binary in bytes (decimal MB), as the
// release builds it. Every action gets 16 MB; a budget is raised for one
// action alone, with its reason written here.
var budgets = map[string]int64{
	// validate links OPA's Rego evaluator for organisation policies
	// (docs/policies.md): 14.3 MB became 31.9 MB. The budget the policy
	// work was given is 40 MB.
	"validate":   40_000_000,
	"build-push": 16_000_000,
	"deploy-ecs": 16_000_000,
	// drift-check links eleven AWS service clients (one per drift type
	// family, and the deploy engine for remediation), each with the SDK's
	// schema tables built at start-up, S3 for the state and the SDK's
	// shared-config credential chain: 18.49 MB once HCL was replaced by
	// tfstate's own reader. The rest of the way to 16 MB means dropping
	// credential providers or the S3 client, or building with different
	// flags; docs/adr/0008-binary-budget.md has the figures of each. The
	// budget leaves 0.5 MB for drift types still to come (reading scheduled
	// actions live costs 33 KB) rather than none.
	"drift-check": 19_000_000,
	"rollback":    16_000_000,
	"optimize":    16_000_000,
}

// bins maps an action name to its binary, built once by TestMain.
var bins = map[string]string{}

func TestMain(m *testing.M) {
	os.Exit(mainWithBinaries(m))
}

func mainWithBinaries(m *testing.M) int {
	dir, err := os.MkdirTemp("", "ecsflow-contract-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "contract: cannot create a directory for the binaries:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := buildAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "contract:", err)
		return 1
	}
	return m.Run()
}

// buildAll builds every action the way scripts/release.sh does: static,
// trimmed, without VCS stamps, stripped, version set by -X. At most one
// build per CPU runs at a time.
func buildAll(dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		//lint:ignore SA1019 the test binary runs where it was built, so its GOROOT is real
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	ldflags := "-s -w -X " + module + "/internal/cli.version=" + stampedVersion
	sem := make(chan struct{}, max(1, runtime.NumCPU()))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, a := range ecsflow.Actions {
		out := filepath.Join(dir, "ecsflow-"+a)
		bins[a] = out
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(goBin, "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, module+"/actions/"+a)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
			if b, err := cmd.CombinedOutput(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("building %s: %v\n%s", a, err, b))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// spec is the part of an action.yml the contract reads, parsed here
// independently of internal/actionspec.
type spec struct {
	Inputs  yaml.Node `yaml:"inputs"`
	Outputs yaml.Node `yaml:"outputs"`
}

func keys(n yaml.Node) []string {
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

func readSpec(t testing.TB, action string) (inputs, outputs []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(action, "action.yml"))
	require.NoError(t, err)
	var s spec
	require.NoError(t, yaml.Unmarshal(raw, &s))
	return keys(s.Inputs), keys(s.Outputs)
}

func TestBinarySize(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		t.Run(a, func(t *testing.T) {
			t.Parallel()
			st, err := os.Stat(bins[a])
			require.NoError(t, err)
			budget, ok := budgets[a]
			require.True(t, ok, "ecsflow-%s has no size budget", a)
			t.Logf("ecsflow-%s: %d bytes (%.1f%% of its %d MB budget)", a, st.Size(), 100*float64(st.Size())/float64(budget), budget/1_000_000)
			assert.LessOrEqual(t, st.Size(), budget, "ecsflow-%s built as the release builds it is over its %d MB budget", a, budget/1_000_000)
		})
	}
}

func TestHelpListsEveryInput(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		t.Run(a, func(t *testing.T) {
			t.Parallel()
			ins, outs := readSpec(t, a)
			require.NotEmpty(t, ins)
			r := run(t, a, outside, nil, "--help")
			require.Equal(t, 0, r.code, r.all())
			assert.Empty(t, r.stderr)
			for _, in := range ins {
				assert.Regexp(t, `(?m)^\s+--`+regexp.QuoteMeta(in)+`\s`, r.stdout, "--help does not list input %s", in)
			}
			for _, out := range outs {
				assert.Regexp(t, `(?m)^\s+`+regexp.QuoteMeta(out)+`\s`, r.stdout, "--help does not list output %s", out)
			}
			assert.Zero(t, r.requests)
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		t.Run(a, func(t *testing.T) {
			t.Parallel()
			r := run(t, a, outside, nil, "--version")
			require.Equal(t, 0, r.code, r.all())
			assert.Equal(t, "ecsflow "+a+" "+stampedVersion+"\n", r.stdout)
			assert.Empty(t, r.stderr)
		})
	}
}

// mode is how inputs reach the binary.
type mode int

const (
	// inActions: GITHUB_ACTIONS=true and INPUT_<NAME> variables, as the
	// runner sets them from the env: of the action's run step.
	inActions mode = iota
	// outside: --name=value flags on a developer's machine.
	outside
)

func (m mode) String() string {
	if m == inActions {
		return "actions"
	}
	return "flags"
}

type result struct {
	code           int
	stdout, stderr string
	requests       int64
	requestLog     string
	summary        string
	outputs        string
}

func (r result) all() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s--- requests (%d)\n%s", r.code, r.stdout, r.stderr, r.requests, r.requestLog)
}

// recorder stands in for every endpoint the actions may call (AWS through
// AWS_ENDPOINT_URL, the GitHub API, the OIDC token endpoint) and records
// each request. It refuses them with a non-retryable AccessDenied so a run
// that does reach it ends quickly.
type recorder struct {
	n   atomic.Int64
	mu  sync.Mutex
	log strings.Builder
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.n.Add(1)
	rec.mu.Lock()
	fmt.Fprintf(&rec.log, "%s %s %s %s\n", r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"), r.URL.RawQuery)
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte(`{"__type":"AccessDeniedException","message":"the contract test refuses every call"}`))
}

// testdataDir is the absolute path of actions/testdata; "{testdata}" in an
// input value stands for it, "{tmp}" for the run's own temporary directory.
func testdataDir(t testing.TB) string {
	t.Helper()
	d, err := filepath.Abs("testdata")
	require.NoError(t, err)
	return d
}

func expand(v, testdata, tmp string) string {
	return strings.NewReplacer("{testdata}", testdata, "{tmp}", tmp).Replace(v)
}

// run runs one action binary with the given inputs in a clean environment
// whose every endpoint is a fresh recorder, from an empty working directory.
func run(t testing.TB, action string, m mode, in map[string]string, extraArgs ...string) result {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()

	tmp := t.TempDir()
	work := filepath.Join(tmp, "work")
	home := filepath.Join(tmp, "home")
	require.NoError(t, os.MkdirAll(work, 0o755))
	require.NoError(t, os.MkdirAll(home, 0o755))
	td := testdataDir(t)
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + tmp,
		"AWS_ENDPOINT_URL=" + srv.URL,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIACONTRACTTEST0000",
		"AWS_SECRET_ACCESS_KEY=contract-test-secret",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "aws-credentials"),
		"GITHUB_API_URL=" + srv.URL,
		"ACTIONS_ID_TOKEN_REQUEST_URL=" + srv.URL + "/oidc-token",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN=contract",
		"GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
		"GITHUB_REF=refs/heads/main",
	}
	summary := filepath.Join(tmp, "step-summary.md")
	var args []string
	switch m {
	case inActions:
		env = append(env,
			"GITHUB_ACTIONS=true",
			"GITHUB_OUTPUT="+filepath.Join(tmp, "output"),
			"GITHUB_STEP_SUMMARY="+summary,
			"GITHUB_WORKSPACE="+work,
			"RUNNER_TEMP="+tmp,
		)
		for name, v := range in {
			env = append(env, "INPUT_"+strings.ToUpper(name)+"="+expand(v, td, tmp))
		}
	case outside:
		names := make([]string, 0, len(in))
		for name := range in {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			args = append(args, "--"+name+"="+expand(in[name], td, tmp))
		}
	}
	args = append(args, extraArgs...)

	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bins[action], args...)
	cmd.Env = env
	cmd.Dir = work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running ecsflow-%s: %v", action, err)
	}
	require.NoError(t, ctx.Err(), "ecsflow-%s did not finish in time\n%s%s", action, stdout.String(), stderr.String())
	srv.Close() // waits for in-flight requests, so the count is final
	sum, _ := os.ReadFile(summary)
	outs, _ := os.ReadFile(filepath.Join(tmp, "output"))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return result{code: code, stdout: stdout.String(), stderr: stderr.String(), requests: rec.n.Load(), requestLog: rec.log.String(), summary: string(sum), outputs: string(outs)}
}

// stackTrace matches what a Go panic or stack trace prints.
var stackTrace = regexp.MustCompile(`panic|goroutine |\.go:`)

func lines(s, prefix string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// assertBadInput checks the bad-input contract on one run.
func assertBadInput(t *testing.T, m mode, r result, input string) {
	t.Helper()
	require.Equal(t, 2, r.code, "bad input must exit 2\n%s", r.all())
	assert.NotRegexp(t, stackTrace, r.stdout+r.stderr, "no panic or stack trace")
	assert.NotRegexp(t, stackTrace, r.summary, "no panic or stack trace in the step summary")
	named := `input "` + input + `"`
	switch m {
	case inActions:
		errs := lines(r.stdout+"\n"+r.stderr, "::error")
		if assert.Len(t, errs, 1, "exactly one ::error line\n%s", r.all()) {
			assert.Contains(t, errs[0], named, "the ::error line names the input")
		}
		assert.Empty(t, lines(r.stderr, "error:"), "inside Actions the error is a workflow command")
		assert.Empty(t, r.outputs, "bad input sets no step outputs")
	case outside:
		errs := lines(r.stderr, "error:")
		if assert.Len(t, errs, 1, "exactly one error: line on stderr\n%s", r.all()) {
			assert.Contains(t, errs[0], named, "the error line names the input")
		}
		assert.NotContains(t, r.stdout+r.stderr, "::error", "outside Actions no workflow commands")
	}
	assert.Zero(t, r.requests, "bad input must be refused before any AWS or GitHub call:\n%s", r.requestLog)
}

// badCase is one wrong value (or combination) and the input the error must
// name. in holds only the inputs that differ from the action's baseline.
type badCase struct {
	name  string
	in    map[string]string
	input string
}

func bad(input, value string) badCase {
	return badCase{name: input + "=" + value, in: map[string]string{input: value}, input: input}
}

func combo(name, input string, in map[string]string) badCase {
	return badCase{name: name, in: in, input: input}
}

// baselines are inputs every case starts from: valid on their own (see
// TestBaselineReachesTheRecorder), so the one wrong value is the only fault.
var baselines = map[string]map[string]string{
	"validate":    {"path": "{testdata}/tf"},
	"build-push":  {"repository": "contract/app", "context": "{testdata}/build"},
	"deploy-ecs":  {"cluster": "contract", "service": "web"},
	"drift-check": {"state": "{testdata}/terraform.tfstate"},
	"rollback":    {"cluster": "contract", "service": "web"},
	"optimize":    {"cluster": "contract", "service": "web", "environment": "dev"},
}

// badInputs are derived from each action.yml and the input parsing in
// internal/validate, internal/buildpush, internal/deployecs, internal/driftcheck,
// internal/rollback and internal/optimize: for every input with a type (bool, int, duration,
// enum, JSON, key=value, path, or a checked format) a value of the wrong
// type or outside what is allowed.
var badInputs = map[string][]badCase{
	"validate": {
		bad("path", "{testdata}/does-not-exist"),
		bad("path", "{testdata}/tf/main.tf"),
		bad("path", "{testdata}/no-such-*"),
		bad("path", "{testdata}/["),
		bad("var-files", "{testdata}/does-not-exist.tfvars"),
		bad("var-files", "{testdata}/tf"),
		bad("var-files", "{testdata}/bad.tfvars"),
		bad("task-definitions", "{testdata}/does-not-exist.json"),
		bad("task-definitions", "{testdata}/tf"),
		bad("task-definitions", "{testdata}/no-such-*.json"),
		bad("plan-json", "{testdata}/does-not-exist.json"),
		bad("plan-json", "{testdata}/malformed.json"),
		bad("config", "{testdata}/does-not-exist.yml"),
		bad("config", "{testdata}/unknown-rule.yml"),
		bad("ecsflow-config", "{testdata}/does-not-exist.yaml"),
		bad("ecsflow-config", "{testdata}/tf"),
		bad("policies", "{testdata}/does-not-exist"),
		bad("policies", "{testdata}/tf/main.tf"),
		bad("policies", "{testdata}/policies-broken"),
		bad("policy-data", "{testdata}/unknown-rule.yml"),
		combo("policy-data that is not JSON", "policy-data", map[string]string{"policies": "@builtin", "policy-data": "{testdata}/malformed.json"}),
		bad("policy-namespace", "org/ecs"),
		bad("fail-on", "critical"),
		bad("sarif-file", "{testdata}"),
		bad("sarif-file", "out/"),
		bad("comment", "maybe"),
		combo("comment without github-token", "github-token", map[string]string{"comment": "true"}),
	},
	"build-push": {
		bad("context", "{testdata}/does-not-exist"),
		bad("dockerfile", "Nope.Dockerfile"),
		bad("repository", "Contract/App"),
		bad("registry", "https://ghcr.io/contract"),
		bad("tags", "v1 latest"),
		bad("tags", "env:1BAD"),
		bad("platforms", "linux"),
		bad("build-args", "NO_EQUALS_SIGN"),
		bad("build-args", "1BAD=x"),
		bad("labels", "=orphan"),
		bad("labels", "a=1\na=2"),
		bad("builder", "podman"),
		bad("source", "https://github.com/contract/app@main"),
		bad("source-path", "sub"),
		combo("source-path outside source", "source-path", map[string]string{"source": "https://github.com/contract/app@0123456789abcdef0123456789abcdef01234567", "source-path": "../up"}),
		bad("patches", "{testdata}"),
		combo("patches not a directory", "patches", map[string]string{"source": "https://github.com/contract/app@0123456789abcdef0123456789abcdef01234567", "patches": "{testdata}/does-not-exist"}),
		bad("skip-if-exists", "sometimes"),
		bad("create-repository", "y"),
		bad("promote-from", "sha256:abc"),
		bad("promote-from", "contract/app"),
		bad("promote-from", "Contract/App:1"),
		bad("context", "{testdata}/build/Dockerfile"),
		bad("dockerfile", "."),
		bad("tags", "semver"),
		bad("tags", "env:CONTRACT_UNSET_VARIABLE"),
		bad("tags", ","),
		bad("scan", "trivy"),
		bad("fail-on-severity", "SEVERE"),
		bad("scan-timeout", "forever"),
		bad("scan-timeout", "1s"),
		bad("push", "nope"),
		combo("scan ecr without push", "scan", map[string]string{"push": "false", "scan": "ecr"}),
		bad("ecr", "maybe"),
		combo("ecr false without registry", "registry", map[string]string{"ecr": "false"}),
		bad("aws-region", "mars-north"),
		bad("role-to-assume", "deploy-role"),
	},
	"deploy-ecs": {
		bad("cluster", "bad cluster!"),
		combo("cluster empty", "cluster", map[string]string{"cluster": ""}),
		bad("service", "web/api"),
		bad("service", "web,web"),
		bad("task-definition", "{testdata}/does-not-exist.json"),
		bad("task-definition", "{testdata}/malformed.json"),
		bad("task-definition", "{testdata}/taskdef-no-containers.json"),
		combo("task-definition line for an unknown service", "task-definition", map[string]string{"service": "web,api", "task-definition": "ghost={testdata}/taskdef.json"}),
		combo("image without container-name", "container-name", map[string]string{"image": "public.ecr.aws/contract/app:1"}),
		combo("image that does not parse", "image", map[string]string{"container-name": "app", "image": "Not An Image::"}),
		bad("images", "no-equals-sign"),
		bad("images", "app=Not An Image::"),
		combo("environment-variables not key=value", "environment-variables", map[string]string{"container-name": "app", "environment-variables": "NO_EQUALS"}),
		combo("secrets not an ARN", "secrets", map[string]string{"container-name": "app", "secrets": "DB_PASSWORD=plaintext"}),
		combo("docker-labels without key", "docker-labels", map[string]string{"container-name": "app", "docker-labels": "=x"}),
		combo("command bad JSON", "command", map[string]string{"container-name": "app", "command": `["unterminated`}),
		combo("log-configuration-options not key=value", "log-configuration-options", map[string]string{"container-name": "app", "log-configuration-options": "awslogs-group"}),
		bad("desired-count", "three"),
		bad("desired-count", "-1"),
		bad("force-new-deployment", "perhaps"),
		bad("strategy", "big-bang"),
		bad("bake-time", "soon"),
		bad("bake-time", "48h"),
		bad("canary-percent", "150"),
		bad("canary-percent", "ten"),
		bad("canary-percent", "NaN"),
		bad("linear-step-percent", "NaN"),
		bad("canary-bake-time", "x"),
		bad("linear-step-percent", "0"),
		bad("linear-interval", "-5m"),
		bad("health-check-url", "ftp://contract.example"),
		bad("health-check-url", "not a url"),
		bad("health-check-status", "abc"),
		bad("health-check-status", "700"),
		bad("health-check-successes", "0"),
		bad("health-check-failures", "1000"),
		bad("metric-gates", "{not json"),
		bad("metric-gates", `{"name":"errors"}`),
		bad("metric-gates", `[{"name":"errors"}]`),
		combo("container-name not in the task definition", "container-name", map[string]string{"task-definition": "{testdata}/taskdef.json", "container-name": "ghost", "image": "public.ecr.aws/contract/app:1"}),
		combo("images container not in the task definition", "images", map[string]string{"task-definition": "{testdata}/taskdef.json", "images": "ghost=public.ecr.aws/contract/app:1"}),
		bad("task-definition", "{testdata}"),
		bad("command", "[1,2]"),
		bad("anomaly-metrics", "AWS/ApplicationELB:HTTPCode_Target_5XX_Count"),
		bad("anomaly-metrics", "AWS/Lambda:Errors:above"),
		bad("failed-tasks-threshold", "-1"),
		bad("wait", "later"),
		bad("allow-family-change", "maybe"),
		bad("timeout", "30"),
		bad("timeout", "forever"),
		bad("rollback-on-failure", "sure"),
		bad("order", "ghost > web"),
		bad("ledger-table", "x!"),
		bad("lock-timeout", "1d"),
		bad("forecast-guard", "on"),
		bad("aws-region", "Mars"),
		bad("role-to-assume", "admin"),
	},
	"drift-check": {
		bad("path", "{testdata}/does-not-exist"),
		bad("path", "{testdata}/tf/main.tf"),
		combo("path without backend and no state", "path", map[string]string{"state": "", "path": "{testdata}/tf"}),
		combo("path and state both empty", "path", map[string]string{"state": ""}),
		bad("state", "{testdata}/does-not-exist.tfstate"),
		bad("state", "{testdata}/malformed.json"),
		bad("state", "{testdata}/not-state.json"),
		bad("environment", "prod env"),
		bad("workspace", "a/b"),
		bad("ledger-table", "x!"),
		bad("ignore", "\xff\xfe"),
		bad("resources", "aws_ecs_service.\xff"),
		bad("var-files", "{testdata}/bad.tfvars"),
		combo("var-files that do not parse", "var-files", map[string]string{"path": "{testdata}/tf", "var-files": "{testdata}/bad.tfvars"}),
		combo("var-files that do not exist", "var-files", map[string]string{"path": "{testdata}/tf", "var-files": "nope.tfvars"}),
		bad("resources", "aws_nonexistent_thing"),
		bad("resources", "aws_ecs_service.ghost"),
		bad("ignore", "*.*"),
		bad("ignore", "a b"),
		bad("state", "s3://"),
		bad("state", "s3://bucket-only"),
		bad("task-definitions", "{testdata}/does-not-exist.json"),
		bad("task-definitions", "{testdata}/malformed.json"),
		bad("task-definitions", "{testdata}/not-state.json"),
		bad("task-definitions", "{testdata}/tf"),
		bad("fail-on-drift", "often"),
		bad("issue", "yes please"),
		combo("issue without github-token", "github-token", map[string]string{"issue": "true"}),
		bad("remediate", "all"),
		bad("aws-region", "nowhere"),
		bad("role-to-assume", "role"),
	},
	"rollback": {
		bad("cluster", "bad cluster"),
		combo("cluster empty", "cluster", map[string]string{"cluster": ""}),
		bad("service", "a b"),
		bad("service", "web,web"),
		combo("service empty", "service", map[string]string{"service": ""}),
		bad("to", "yesterday"),
		bad("to", "last-known-good"),
		bad("mode", "heal"),
		bad("wait", "2"),
		bad("timeout", "10s"),
		bad("timeout", "x"),
		bad("below-desired-for", "-1m"),
		bad("stuck-after", "30s"),
		bad("recent-deploy", "1000h"),
		bad("anomaly", "maybe"),
		bad("sensitivity", "paranoid"),
		bad("sensitivity", "0.1"),
		bad("ledger-table", "ab"),
		bad("lock-timeout", "7h"),
		bad("forecast-guard", "stop"),
		bad("github-repository", "noslash"),
		combo("check with github-token and no repository", "github-repository", map[string]string{"mode": "check", "github-token": "ghs_contract"}),
		combo("known-good without a ledger", "ledger-table", map[string]string{"mode": "known-good", "ledger-table": ""}),
		bad("aws-region", "us_east_1"),
		bad("role-to-assume", "arn:aws:iam::1:role/x"),
	},
	"optimize": {
		bad("cluster", "bad cluster!"),
		combo("cluster empty", "cluster", map[string]string{"cluster": ""}),
		bad("service", "web/api"),
		bad("service", "web,web"),
		combo("service empty", "service", map[string]string{"service": ""}),
		bad("environment", "prod env"),
		combo("environment empty", "environment", map[string]string{"environment": ""}),
		bad("production-environments", "prod, live env"),
		bad("scale-to-zero-environments", "dev/*"),
		bad("lookback", "fortnight"),
		bad("lookback", "0d"),
		bad("lookback", "456d"),
		bad("lookback", "1h"),
		bad("headroom", "seventy"),
		bad("headroom", "0"),
		bad("headroom", "101"),
		bad("working-hours", "9 to 5"),
		bad("working-hours", "20:00-08:00 Mon-Fri UTC"),
		bad("working-hours", "08:00-20:00 Mon-Fun UTC"),
		bad("working-hours", "08:00-20:00 Mon-Fri Mars/Olympus"),
		bad("report-file", "{testdata}"),
		bad("report-file", "out/"),
		bad("report-file", "../outside.json"),
		bad("path", "{testdata}/does-not-exist"),
		bad("path", "{testdata}/tf/main.tf"),
		bad("issue", "maybe"),
		combo("issue without github-token", "github-token", map[string]string{"issue": "true"}),
		combo("var-files without path", "var-files", map[string]string{"var-files": "{testdata}/bad.tfvars"}),
		combo("var-files that do not exist", "var-files", map[string]string{"path": "{testdata}/tf", "var-files": "nope.tfvars"}),
		combo("var-files that do not parse", "var-files", map[string]string{"path": "{testdata}/tf", "var-files": "{testdata}/bad.tfvars"}),
		bad("aws-region", "eu west 1"),
		bad("role-to-assume", "optimize-role"),
	},
}

// withoutBadCase are the inputs badInputs has no wrong value for: free
// text, or names only AWS can judge (an alarm or table that does not exist).
var withoutBadCase = map[string][]string{
	"build-push": {"target"},
	"deploy-ecs": {"log-configuration-log-driver", "alarms", "environment"},
	"rollback":   {"reason", "alarms", "environment", "github-token"},
}

// A new input in an action.yml needs a bad-input case here, or a place in
// withoutBadCase.
func TestEveryInputHasABadCase(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		declared, _ := readSpec(t, a)
		covered := map[string]bool{}
		for _, tc := range badInputs[a] {
			covered[tc.input] = true
		}
		for _, in := range withoutBadCase[a] {
			assert.Contains(t, declared, in, "%s: withoutBadCase names an input action.yml does not declare", a)
			assert.False(t, covered[in], "%s: %s has a bad-input case; drop it from withoutBadCase", a, in)
			covered[in] = true
		}
		for _, in := range declared {
			assert.True(t, covered[in], "%s: input %s has no bad-input case in badInputs", a, in)
		}
	}
}

func merge(base, over map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		declared, _ := readSpec(t, a)
		for _, tc := range badInputs[a] {
			for name := range tc.in {
				require.Contains(t, declared, name, "%s: case %q uses an input action.yml does not declare", a, tc.name)
			}
			require.Contains(t, declared, tc.input)
			for _, m := range []mode{inActions, outside} {
				t.Run(a+"/"+tc.name+"/"+m.String(), func(t *testing.T) {
					t.Parallel()
					r := run(t, a, m, merge(baselines[a], tc.in))
					assertBadInput(t, m, r, tc.input)
				})
			}
		}
	}
}

// Each baseline is valid input: validate finishes, and every AWS-facing
// action gets as far as calling the recorder. This proves that "no request"
// in TestBadInput means the input was refused, not that the recorder was
// never reachable.
func TestBaselineReachesTheRecorder(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		for _, m := range []mode{inActions, outside} {
			t.Run(a+"/"+m.String(), func(t *testing.T) {
				t.Parallel()
				r := run(t, a, m, baselines[a])
				assert.NotContains(t, r.stdout+r.stderr, `input "`, "the baseline must be valid input\n%s", r.all())
				assert.NotRegexp(t, stackTrace, r.stdout+r.stderr)
				if a == "validate" {
					assert.Equal(t, 0, r.code, r.all())
					assert.Zero(t, r.requests, "validate needs no AWS")
					return
				}
				assert.NotZero(t, r.requests, "the baseline should reach AWS (the recorder)\n%s", r.all())
			})
		}
	}
}

// An unknown flag exits 2 and suggests the input it is closest to.
func TestUnknownFlag(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		ins, _ := readSpec(t, a)
		for _, in := range ins {
			typo := in[:len(in)-1] + "x" + in[len(in)-1:]
			t.Run(a+"/"+typo, func(t *testing.T) {
				t.Parallel()
				r := run(t, a, outside, nil, "--"+typo+"=1")
				require.Equal(t, 2, r.code, r.all())
				errs := lines(r.stderr, "error:")
				require.Len(t, errs, 1, r.all())
				assert.Contains(t, errs[0], "--"+typo)
				assert.Contains(t, errs[0], "did you mean")
				assert.Contains(t, errs[0], "--"+in)
				assert.NotRegexp(t, stackTrace, r.stdout+r.stderr)
				assert.Zero(t, r.requests)
			})
		}
		t.Run(a+"/nothing-close", func(t *testing.T) {
			t.Parallel()
			r := run(t, a, outside, nil, "--zzzzzzzzzzzz")
			require.Equal(t, 2, r.code, r.all())
			errs := lines(r.stderr, "error:")
			require.Len(t, errs, 1, r.all())
			assert.Contains(t, errs[0], "--help")
			assert.Zero(t, r.requests)
		})
	}
}

// usesRef is one `uses:` found in a workflow or action file.
type usesRef struct {
	file string
	line int
	ref  string
}

// collectUses returns every `uses:` of a composite action (runs.steps) or a
// workflow (jobs.*.uses and jobs.*.steps[*].uses).
func collectUses(file string, raw []byte) ([]usesRef, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []usesRef
	var walk func(n *yaml.Node, inJobOrStep bool)
	add := func(v *yaml.Node) { out = append(out, usesRef{file: file, line: v.Line, ref: v.Value}) }
	walk = func(n *yaml.Node, inJobOrStep bool) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, inJobOrStep)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch {
				case k.Value == "uses" && v.Kind == yaml.ScalarNode && inJobOrStep:
					add(v)
				case k.Value == "steps" || k.Value == "jobs" || k.Value == "runs":
					walk(v, true)
				case inJobOrStep && v.Kind == yaml.MappingNode:
					// a job (jobs.<id>) or a nested mapping of a step
					walk(v, true)
				case inJobOrStep && v.Kind == yaml.SequenceNode:
					walk(v, true)
				}
			}
		}
	}
	walk(&doc, false)
	return out, nil
}

var (
	fullSHA      = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@\s]+)?@[0-9a-f]{40}$`)
	dockerDigest = regexp.MustCompile(`^docker://[^@\s]+@sha256:[0-9a-f]{64}$`)
)

// unpinned returns the third-party references not pinned to a full commit
// SHA (or, for docker:// images, a sha256 digest). Local ./ actions are the
// repository's own code at the same commit.
func unpinned(refs []usesRef) []string {
	var out []string
	for _, u := range refs {
		switch {
		case strings.HasPrefix(u.ref, "./"):
		case strings.HasPrefix(u.ref, "docker://"):
			if !dockerDigest.MatchString(u.ref) {
				out = append(out, fmt.Sprintf("%s:%d: %s is not pinned to a sha256 digest", u.file, u.line, u.ref))
			}
		case !fullSHA.MatchString(u.ref):
			out = append(out, fmt.Sprintf("%s:%d: %s is not pinned to a full 40-character commit SHA", u.file, u.line, u.ref))
		}
	}
	return out
}

// The pin check finds every kind of reference it claims to check.
func TestUnpinnedFindsEveryKind(t *testing.T) {
	t.Parallel()
	workflow := `on: push
jobs:
  call:
    uses: org/repo/.github/workflows/x.yml@v1
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - uses: actions/setup-go@v6
      - uses: ./actions/validate
      - uses: org/repo/sub@3d3c42e5aac5ba805825da76410c181273ba90b
      - uses: docker://alpine:3.20
      - name: not a uses
        run: 'echo "uses: evil/action@main"'
        with:
          note: a with value is not a uses
`
	action := `name: x
runs:
  using: composite
  steps:
    - uses: aws-actions/configure-aws-credentials@main
    - uses: docker://alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`
	w, err := collectUses("w.yml", []byte(workflow))
	require.NoError(t, err)
	a, err := collectUses("action.yml", []byte(action))
	require.NoError(t, err)
	assert.Len(t, w, 6)
	assert.Len(t, a, 2)
	assert.Equal(t, []string{
		"w.yml:4: org/repo/.github/workflows/x.yml@v1 is not pinned to a full 40-character commit SHA",
		"w.yml:9: actions/setup-go@v6 is not pinned to a full 40-character commit SHA",
		"w.yml:11: org/repo/sub@3d3c42e5aac5ba805825da76410c181273ba90b is not pinned to a full 40-character commit SHA",
		"w.yml:12: docker://alpine:3.20 is not pinned to a sha256 digest",
		"action.yml:5: aws-actions/configure-aws-credentials@main is not pinned to a full 40-character commit SHA",
	}, unpinned(append(w, a...)))
}

// Every third-party action used by an action.yml of this repository or by
// its workflows is pinned to a full commit SHA. (No ${{ }} in run: scripts
// and the INPUT_* mapping of actions/*/action.yml are checked by
// cmd/docgen's TestRepoFollowsActionConvention.)
func TestThirdPartyActionsPinnedBySHA(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*/action.yml")
	require.NoError(t, err)
	files = append(files, "../action.yml")
	for _, pat := range []string{"../.github/workflows/*.yml", "../.github/workflows/*.yaml"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.GreaterOrEqual(t, len(files), len(ecsflow.Actions)+2)
	var all []usesRef
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		refs, err := collectUses(f, raw)
		require.NoError(t, err)
		all = append(all, refs...)
	}
	require.NotEmpty(t, all, "the workflows use actions/checkout at least")
	t.Logf("%d uses: in %d files", len(all), len(files))
	assert.Empty(t, unpinned(all))
}

// actionlint, with shellcheck for the run: scripts, reports nothing for the
// repository's workflows and the example's (issue 2, "Done when").
func TestWorkflowsPassActionlint(t *testing.T) {
	t.Parallel()
	sc, err := exec.LookPath("shellcheck")
	require.NoError(t, err, "shellcheck is not installed; .ci/run installs it")
	var files []string
	for _, pat := range []string{"../.github/workflows/*.y*ml", "../examples/*/.github/workflows/*.y*ml"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	probs, err := workflowlint.Lint(files, workflowlint.Options{Shellcheck: sc})
	require.NoError(t, err)
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, fmt.Sprintf("%s:%d:%d: %s [%s]", p.File, p.Line, p.Column, p.Message, p.Kind))
	}
	assert.Empty(t, msgs)
	t.Logf("%d workflow files lint clean", len(files))
}

// The root action.yml (ecsflow/ecsflow@v1 with a command input) exposes
// every input of every action and hands each to the binary as
// INPUT_<NAME> in the env of its run step, never inside the script.
func TestRootActionPassesEveryInput(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../action.yml")
	require.NoError(t, err)
	var root struct {
		Inputs yaml.Node `yaml:"inputs"`
		Runs   struct {
			Steps []struct {
				ID  string            `yaml:"id"`
				Run string            `yaml:"run"`
				Env map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &root))
	rootInputs := map[string]bool{}
	for _, n := range keys(root.Inputs) {
		rootInputs[n] = true
	}
	var env map[string]string
	for _, s := range root.Runs.Steps {
		assert.NotContains(t, s.Run, "${{", "step %q", s.ID)
		if s.ID == "run" {
			env = s.Env
		}
	}
	require.NotNil(t, env, "the root action has a step with id run")
	require.Equal(t, "${{ inputs.command }}", strings.TrimSpace(env["ECSFLOW_COMMAND"]))
	for _, a := range ecsflow.Actions {
		ins, _ := readSpec(t, a)
		for _, in := range ins {
			exposed := in
			if in == "command" { // the root's own selector takes that name
				exposed = "container-command"
			}
			assert.True(t, rootInputs[exposed], "root action.yml lacks input %s of %s", exposed, a)
			assert.Equal(t, "${{ inputs."+exposed+" }}", strings.TrimSpace(env["INPUT_"+strings.ToUpper(in)]),
				"root action.yml does not pass %s of %s as INPUT_%s", exposed, a, strings.ToUpper(in))
		}
	}
}

// BenchmarkHelp measures how long `ecsflow-<action> --help` takes from
// process start to exit (goal: under 50 ms; scripts/bench/contract.sh
// reports it with hyperfine next to peers).
func BenchmarkHelp(b *testing.B) {
	for _, a := range ecsflow.Actions {
		b.Run(a, func(b *testing.B) {
			for b.Loop() {
				if out, err := exec.Command(bins[a], "--help").CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
			}
		})
	}
}

// BenchmarkRejectBadInput measures how long a bad input takes to be
// refused inside Actions (exit 2), the path a typo in a workflow takes.
func BenchmarkRejectBadInput(b *testing.B) {
	for _, a := range ecsflow.Actions {
		tc := badInputs[a][0]
		b.Run(a, func(b *testing.B) {
			env := []string{"PATH=" + os.Getenv("PATH"), "GITHUB_ACTIONS=true", "AWS_ENDPOINT_URL=http://127.0.0.1:9"}
			for k, v := range merge(baselines[a], tc.in) {
				env = append(env, "INPUT_"+strings.ToUpper(k)+"="+expand(v, testdataDir(b), b.TempDir()))
			}
			for b.Loop() {
				cmd := exec.Command(bins[a])
				cmd.Env = env
				cmd.Dir = b.TempDir()
				err := cmd.Run()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 2 {
					b.Fatalf("%s: want exit 2, got %v", tc.name, err)
				}
			}
		})
	}
}
