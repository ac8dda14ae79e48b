// Package e2e runs ecsflow's actions end to end, the way GitHub runs them:
// a workflow under testdata/ is executed by act (github.com/nektos/act) with
// `-P ubuntu-latest=-self-hosted`, so every step runs on this machine without
// Docker, each action goes through its action.yml (composite steps,
// scripts/setup-binary.sh, INPUT_* variables, GITHUB_OUTPUT and the step
// summary), and AWS calls go to the local sandbox.
//
// # Adding a test
//
// Put a workflow in testdata/<action>-<case>.yml. Its first step is
// actions/checkout (act serves it from this repository); then use the
// action by path:
//
//	jobs:
//	  run:
//	    runs-on: ubuntu-latest
//	    steps:
//	      - uses: actions/checkout@v4
//	      - id: validate
//	        uses: ./actions/validate
//	        with:
//	          path: examples/open-webui/terraform
//
// and a test in <action>_test.go:
//
//	func TestValidateExample(t *testing.T) {
//		t.Parallel()
//		r := e2e.Run(t, e2e.Workflow{File: "testdata/validate-example.yml"})
//		r.RequireSuccess(t)
//		assert.Equal(t, "0", r.Output("validate", "findings"))
//		assert.Contains(t, r.Summary, "No findings")
//	}
//
// Run starts the shared sandbox (moto, registry, ECS simulator; one per test
// binary, see package sandboxtest) unless Workflow.NoSandbox is set, builds
// the action binaries once into a temporary directory (or uses
// $ECSFLOW_BIN_DIR when `make test` already built them), and passes to act:
//
//   - --env ECSFLOW_BIN_DIR=<dir>: setup-binary.sh uses the prebuilt
//     binaries instead of downloading or compiling;
//   - --env for every sandbox variable (AWS_ENDPOINT_URL, AWS_REGION,
//     AWS_ACCESS_KEY_ID, ECSFLOW_REGISTRY, ...), so steps reach the sandbox
//     with no configuration in the workflow;
//   - Workflow.Env as --env, Workflow.Secrets as --secret, Workflow.Vars as
//     --var, Workflow.Inputs as --input (and the payload's "inputs"),
//     Workflow.Payload as the event file (-e);
//   - Workflow.Stubs as --local-repository: third-party actions pinned by
//     SHA (upload-artifact, upload-sarif, ...) cannot be fetched without
//     internet, so a test maps them to a local stub such as testdata/stubs/noop.
//
// Remote actions that are neither actions/checkout (act serves it from this
// repository) nor stubbed make the run fail: there is no internet.
//
// The Result has act's exit code, a readable log, the outputs each step set
// (by step id; a composite action's inner steps as "outer/inner"), the job
// summary, the annotations (::error and friends) and each job's result.
// Seed data for a test comes from sandboxtest.Seeded / SeededRegion (the
// example stack), called before Run; a test that changes the stack should
// seed its own region and pass it as Workflow.Region, and can hand the
// stack's names to the workflow with Workflow.Env: stack.Vars() (then
// `cluster: ${{ env.ECSFLOW_CLUSTER }}`). Deployment failures come from the
// region's ECS simulator: e2e.Sandbox(t).ECS(region).InjectFault(...).
//
// A package of e2e tests needs, once:
//
//	func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
//
// act v0.2.89 loses the last lines of a failing host step now and then; Run
// puts a `bash` on PATH that pauses briefly after a failure so the ::error
// line always reaches the Result (see bashShim).
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"

	"github.com/ecsflow/ecsflow"
)

// Workflow says which workflow act runs and with what.
type Workflow struct {
	// File is the workflow file, relative to this package's directory
	// (testdata/x.yml) or absolute.
	File string
	// Event is the triggering event (default: act's choice: push, or the
	// only event the workflow handles).
	Event string
	// Payload is marshalled to JSON as the event payload (nil gives {}).
	Payload any
	// Job runs only this job ID.
	Job string
	// Inputs are workflow_dispatch inputs (act --input).
	Inputs map[string]string
	// Env, Secrets and Vars are given to the run (act --env, --secret,
	// --var). Env overrides the sandbox variables of the same name.
	Env     map[string]string
	Secrets map[string]string
	Vars    map[string]string
	// Region overrides AWS_REGION / AWS_DEFAULT_REGION (use it with
	// sandboxtest.SeededRegion).
	Region string
	// Stubs replace remote actions (there is no internet) with local
	// directories: "owner/repo@ref" (exactly as the workflow's uses: line
	// has it) → a directory holding an action.yml, relative to this
	// package's directory or absolute. testdata/stubs/noop accepts any
	// inputs and does nothing (act --local-repository).
	Stubs map[string]string
	// NoSandbox runs without starting the sandbox or passing its variables.
	NoSandbox bool
	// NoBinDir leaves the binaries to scripts/setup-binary.sh, as on a
	// user's runner: ECSFLOW_BIN_DIR is not passed and the prebuilt
	// binaries are not on PATH (tool cache, release asset or source build).
	NoBinDir bool
	// NoGo removes from act's PATH every directory holding a go
	// executable: a runner without actions/setup-go.
	NoGo bool
	// Timeout bounds the whole act run (default 5 minutes).
	Timeout time.Duration
	// Repo is the caller's repository, a git checkout act runs in (its
	// checkout is the workspace) and File's root; default this repository.
	// A team's own repository (a copy of examples/shop) calls ecsflow's
	// reusable workflows by `uses: ecsflow/ecsflow/...@<ref>` mapped by Stubs.
	Repo string
}

// Result is what one act run did.
type Result struct {
	// ExitCode is act's: 0 when every job succeeded.
	ExitCode int
	// Log is the run's log as act prints it, one line per event.
	Log string
	// Steps are the steps in the order they ran (composite inner steps
	// included, with IDs "outer/inner").
	Steps []Step
	// Summary is the job summary (every step's $GITHUB_STEP_SUMMARY).
	Summary string
	// Annotations are the ::error, ::warning and ::notice lines.
	Annotations []Annotation
	// Jobs maps each job ID to its result (success, failure, ...).
	Jobs map[string]string
}

// Step is one step's outcome.
type Step struct {
	// ID is the step's id (act numbers steps without one: "0", "1", ...);
	// a composite action's inner steps are "outer/inner".
	ID   string
	Job  string
	Name string
	// Result is success, failure or skipped ("" when act did not report one).
	Result  string
	Outputs map[string]string
	Summary string
	// Start is the time from act's start until act reported the step
	// starting (read from act's output as it came); Took is the step's
	// execution time as act measured it. Both are 0 for a recorded run.
	Start, Took time.Duration
}

// Annotation is one workflow-command annotation a step printed.
type Annotation struct {
	Level   string // error, warning, notice
	Message string
	// Fields are file, line, col, title, ... as given.
	Fields map[string]string
	Step   string
}

// Step returns the first step with the given id in any job, or nil. Use
// JobStep when several jobs have a step of that id.
func (r *Result) Step(id string) *Step { return r.JobStep("", id) }

// JobStep returns the step with the given id in job (a job ID; "" means
// any job), or nil.
func (r *Result) JobStep(job, id string) *Step {
	for i := range r.Steps {
		if r.Steps[i].ID == id && (job == "" || r.Steps[i].Job == job) {
			return &r.Steps[i]
		}
	}
	return nil
}

// Output returns the output a step set ("" when it did not).
func (r *Result) Output(stepID, name string) string {
	if s := r.Step(stepID); s != nil {
		return s.Outputs[name]
	}
	return ""
}

// Errors returns the ::error annotations.
func (r *Result) Errors() []Annotation {
	var out []Annotation
	for _, a := range r.Annotations {
		if a.Level == "error" {
			out = append(out, a)
		}
	}
	return out
}

// RequireSuccess fails the test, printing the log, unless act exited 0.
func (r *Result) RequireSuccess(t testing.TB) {
	t.Helper()
	if r.ExitCode != 0 {
		t.Fatalf("act exited %d; log:\n%s", r.ExitCode, r.Log)
	}
}

// RequireFailure fails the test, printing the log, unless act exited
// non-zero (a job failed).
func (r *Result) RequireFailure(t testing.TB) {
	t.Helper()
	if r.ExitCode == 0 {
		t.Fatalf("act succeeded but a failure was expected; log:\n%s", r.Log)
	}
}

// Run runs wf with act and returns what happened. It fails the test when
// act cannot run at all (missing act, build failure, timeout); a workflow
// that fails is a Result with a non-zero ExitCode, for the test to judge.
func Run(t testing.TB, wf Workflow) *Result {
	t.Helper()
	act := ActPath(t)
	root := RepoRoot(t)
	bin := BinDir(t)
	repo := root
	if wf.Repo != "" {
		repo = wf.Repo
	}
	rel := workflowPath(t, repo, wf.File)

	work := t.TempDir()
	evFile := eventFile(t, work, wf)
	env, pathPrefix := actVars(t, wf, bin)
	args := actArgs(wf, rel, root, work, evFile, env)

	timeout := wf.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	shim, err := bashShim(work)
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	cmd := exec.CommandContext(ctx, act, args...)
	cmd.Dir = repo
	cmd.Env = actEnv(joinPath(shim, pathPrefix), work, wf.NoGo)
	isolate(cmd)
	var stderr bytes.Buffer
	start := time.Now()
	stdout := &lineClock{start: start}
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	runErr := cmd.Run()
	r := parse(stdout.buf.Bytes(), stdout.at)
	if stderr.Len() > 0 {
		r.Log += "\n[act stderr]\n" + stderr.String()
	}
	if ctx.Err() != nil {
		t.Fatalf("e2e: act did not finish %s within %s; log:\n%s", wf.File, timeout, r.Log)
	}
	var ee *exec.ExitError
	switch {
	case runErr == nil:
	case errors.As(runErr, &ee):
		r.ExitCode = ee.ExitCode()
	default:
		t.Fatalf("e2e: failed to run act: %v", runErr)
	}
	t.Logf("e2e: act ran %s in %s (exit %d)", wf.File, time.Since(start).Round(time.Millisecond), r.ExitCode)
	return r
}

// workflowPath is the workflow file relative to the repository it runs
// in, which it must be inside.
func workflowPath(t testing.TB, repo, file string) string {
	t.Helper()
	name := file
	if !filepath.IsAbs(file) {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		file = filepath.Join(wd, file)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("e2e: workflow %s: %v", name, err)
	}
	rel, err := filepath.Rel(repo, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("e2e: workflow %s is outside the repository %s", file, repo)
	}
	return rel
}

// eventFile writes the event payload, with the workflow_dispatch inputs in
// it, and returns its path.
func eventFile(t testing.TB, work string, wf Workflow) string {
	t.Helper()
	payload := wf.Payload
	if payload == nil {
		payload = map[string]any{}
	}
	ev, err := json.Marshal(payload)
	if err != nil {
		t.Fatalf("e2e: event payload: %v", err)
	}
	if len(wf.Inputs) > 0 {
		// With an event file, act takes workflow_dispatch inputs from its
		// "inputs" member, not from --input.
		var m map[string]any
		if err := json.Unmarshal(ev, &m); err != nil {
			t.Fatalf("e2e: Inputs need a JSON object as Payload: %v", err)
		}
		in, _ := m["inputs"].(map[string]any)
		if in == nil {
			in = map[string]any{}
		}
		for k, v := range wf.Inputs {
			in[k] = v
		}
		m["inputs"] = in
		if ev, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	}
	evFile := filepath.Join(work, "event.json")
	if err := os.WriteFile(evFile, ev, 0o600); err != nil {
		t.Fatal(err)
	}
	return evFile
}

// actVars are the variables the workflow runs with (the binaries, the
// sandbox's endpoint and credentials, the test's own) and the directory
// put first on PATH.
func actVars(t testing.TB, wf Workflow, bin string) (map[string]string, string) {
	t.Helper()
	// act derives github.repository from the origin remote's URL, which in
	// a clone of a local checkout is a path ("/work/main"), not owner/name;
	// a fixed value keeps runs alike wherever the repository was cloned from.
	env := map[string]string{"ECSFLOW_BIN_DIR": bin, "GITHUB_REPOSITORY": Repository}
	pathPrefix := bin
	if wf.NoBinDir {
		delete(env, "ECSFLOW_BIN_DIR")
		pathPrefix = ""
	}
	if !wf.NoSandbox {
		sb := sandboxtest.Start(t)
		for _, kv := range sb.Env() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		if wf.Region != "" {
			env["AWS_REGION"], env["AWS_DEFAULT_REGION"] = wf.Region, wf.Region
		}
	}
	for k, v := range wf.Env {
		env[k] = v
	}
	return env, pathPrefix
}

// actArgs is act's command line for one run.
func actArgs(wf Workflow, rel, root, work, evFile string, env map[string]string) []string {
	args := []string{}
	if wf.Event != "" {
		args = append(args, wf.Event)
	}
	args = append(args,
		"-W", rel,
		"-P", "ubuntu-latest=-self-hosted",
		"-P", "ubuntu-24.04=-self-hosted",
		"-P", "ubuntu-22.04=-self-hosted",
		"-P", "self-hosted=-self-hosted",
		"--json",
		"--no-cache-server",
		"--action-offline-mode",
		"--action-cache-path", filepath.Join(work, "act"),
		"--container-daemon-socket", "-",
		"-e", evFile,
	)
	if wf.Job != "" {
		args = append(args, "-j", wf.Job)
	}
	// The reusable workflows check ecsflow out with actions/checkout (by
	// SHA); act serves only the checkout of the workflow's own repository.
	if _, ok := wf.Stubs[CheckoutAction]; !ok {
		args = append(args, "--local-repository", CheckoutAction+"="+filepath.Join(root, "internal/testenv/e2e/testdata/stubs/checkout"))
	}
	for _, k := range sortedKeys(wf.Stubs) {
		dir := wf.Stubs[k]
		if !filepath.IsAbs(dir) {
			wd, _ := os.Getwd()
			dir = filepath.Join(wd, dir)
		}
		args = append(args, "--local-repository", k+"="+dir)
	}
	for _, k := range sortedKeys(env) {
		args = append(args, "--env", k+"="+env[k])
	}
	for _, k := range sortedKeys(wf.Secrets) {
		args = append(args, "--secret", k+"="+wf.Secrets[k])
	}
	for _, k := range sortedKeys(wf.Vars) {
		args = append(args, "--var", k+"="+wf.Vars[k])
	}
	for _, k := range sortedKeys(wf.Inputs) {
		args = append(args, "--input", k+"="+wf.Inputs[k])
	}
	// act reads .env, .secrets, .vars and .input from the working directory
	// by default; point them at files that do not exist so a developer's
	// local files never leak into a test.
	none := filepath.Join(work, "none")
	args = append(args, "--env-file", none, "--secret-file", none, "--var-file", none, "--input-file", none)
	return args
}

// bashShim writes a `bash` that runs the real one and, when the step
// fails, waits half a second before exiting. act v0.2.89 runs host steps on
// a pty and, when a step exits non-zero, returns without draining the pty
// (pkg/container/host_environment.go: exec returns on cmd.Run's error
// before <-logctx.Done()), so the last lines of a failing step, the
// ::error line included, were lost in about one run of six. The pause
// gives act's reader time to drain; nothing else changes.
func bashShim(work string) (string, error) {
	real, err := exec.LookPath("bash")
	if err != nil {
		return "", fmt.Errorf("bash is not installed: %w", err)
	}
	dir := filepath.Join(work, "shim")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// The shim's own interpreter is bash, not /bin/sh: dash drops variables
	// whose names are not shell identifiers, such as INPUT_FAIL-ON, which is
	// how the runner hands hyphenated inputs to composite actions.
	script := "#!" + real + "\n" + shellQuote(real) + " \"$@\"\nrc=$?\nif [ \"$rc\" -ne 0 ]; then sleep 0.5; fi\nexit \"$rc\"\n"
	if err := os.WriteFile(filepath.Join(dir, "bash"), []byte(script), 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// lineClock keeps act's output and, for each line, the time since start
// when its end arrived.
type lineClock struct {
	start time.Time
	buf   bytes.Buffer
	at    []time.Duration
}

func (c *lineClock) Write(p []byte) (int, error) {
	now := time.Since(c.start)
	for range bytes.Count(p, []byte("\n")) {
		c.at = append(c.at, now)
	}
	return c.buf.Write(p)
}

func joinPath(dirs ...string) string {
	var keep []string
	for _, d := range dirs {
		if d != "" {
			keep = append(keep, d)
		}
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// withoutGo drops the directories of path that hold a go executable.
func withoutGo(path string) string {
	var keep []string
	for _, d := range filepath.SplitList(path) {
		if _, err := os.Stat(filepath.Join(d, "go")); err == nil {
			continue
		}
		keep = append(keep, d)
	}
	return joinPath(keep...)
}

// actEnv is the environment of the act process: the test's own minus
// anything that would point steps at real AWS or pretend to be a runner,
// with the binaries and Go tools on PATH (Go itself left out with noGo) and
// a private HOME-independent cache.
func actEnv(pathPrefix, work string, noGo bool) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "AWS_"), strings.HasPrefix(k, "GITHUB_"), strings.HasPrefix(k, "RUNNER_"),
			strings.HasPrefix(k, "ACTIONS_"), strings.HasPrefix(k, "INPUT_"), strings.HasPrefix(k, "ECSFLOW_"),
			k == "CI", k == "PATH":
			continue
		}
		out = append(out, kv)
	}
	path := joinPath(pathPrefix, os.Getenv("PATH"), goBin())
	if noGo {
		path = withoutGo(path)
	}
	return append(out, "PATH="+path, "RUNNER_TEMP="+filepath.Join(work, "runner-temp"))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// actEvent is one line of act --json.
type actEvent struct {
	Msg        string            `json:"msg"`
	Job        string            `json:"job"`
	JobID      string            `json:"jobID"`
	Step       string            `json:"step"`
	StepID     []string          `json:"stepID"`
	StepResult string            `json:"stepResult"`
	JobResult  string            `json:"jobResult"`
	Command    string            `json:"command"`
	Name       string            `json:"name"`
	Arg        string            `json:"arg"`
	Content    string            `json:"content"`
	KVPairs    map[string]string `json:"kvPairs"`
	RawOutput  bool              `json:"raw_output"`
	Level      string            `json:"level"`
	Stage      string            `json:"stage"`
	// ExecutionTime is in nanoseconds, on a step's last event.
	ExecutionTime int64 `json:"executionTime"`
}

// parse turns act's --json stream into a Result. Lines that are not JSON
// (act prints a few warnings plainly) go to the log as they are. at, when
// given, holds the time each line arrived (Step.Start).
func parse(out []byte, at []time.Duration) *Result {
	r := &Result{Jobs: map[string]string{}}
	var log strings.Builder
	var lineAt time.Duration // when the line being read arrived
	index := map[string]int{}
	step := func(ev actEvent) *Step {
		id := strings.Join(ev.StepID, "/")
		key := ev.JobID + "\x00" + id
		i, ok := index[key]
		if !ok {
			i = len(r.Steps)
			index[key] = i
			r.Steps = append(r.Steps, Step{ID: id, Job: ev.JobID, Name: ev.Step, Outputs: map[string]string{}, Start: lineAt})
		}
		return &r.Steps[i]
	}
	summarySeen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 0; sc.Scan(); n++ {
		lineAt = 0
		if n < len(at) {
			lineAt = at[n]
		}
		line := sc.Bytes()
		var ev actEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			log.Write(line)
			log.WriteString("\n")
			continue
		}
		prefix := "[" + ev.Job + "] "
		msg := strings.TrimRight(ev.Msg, "\n")
		if ev.RawOutput {
			msg = "  | " + strings.ReplaceAll(msg, "\n", "\n"+prefix+"  | ")
		}
		log.WriteString(prefix + msg + "\n")
		if ev.JobResult != "" {
			r.Jobs[ev.JobID] = ev.JobResult
		}
		if len(ev.StepID) == 0 || strings.HasPrefix(ev.StepID[0], "--") {
			continue // job-level events and act's set-up/complete pseudo-steps
		}
		switch ev.Command {
		case "set-output":
			step(ev).Outputs[ev.Name] = ev.Arg
		case "summary":
			s := step(ev)
			s.Summary += ev.Content
			// A composite action's outer step repeats what its inner steps
			// wrote; the job summary takes each piece once.
			key := ev.JobID + "\x00" + ev.StepID[0] + "\x00" + ev.Content
			if len(ev.StepID) > 1 {
				r.Summary += ev.Content
				summarySeen[key] = true
			} else if !summarySeen[key] {
				r.Summary += ev.Content
			}
		case "error", "warning", "notice":
			// Inner steps of composite actions report once; the outer step
			// does not repeat annotations.
			r.Annotations = append(r.Annotations, Annotation{
				Level: ev.Command, Message: ev.Arg, Fields: ev.KVPairs, Step: strings.Join(ev.StepID, "/"),
			})
		default:
			s := step(ev)
			if ev.StepResult != "" && ev.Stage != "Post" {
				s.Result = ev.StepResult
				s.Took = time.Duration(ev.ExecutionTime)
			}
		}
	}
	r.Log = log.String()
	return r
}

var (
	binOnce sync.Once
	binDir  string
	binErr  error
	// buildErrs holds, per action, why its binary could not be built.
	buildErrs = map[string]error{}
)

// CheckoutAction is the actions/checkout pin of the reusable workflows;
// Run maps it to testdata/stubs/checkout unless Workflow.Stubs maps it.
const CheckoutAction = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"

// Repository is github.repository in every run (override with Workflow.Env).
const Repository = "ecsflow/ecsflow"

// BinDir returns the directory holding ecsflow-<action> for every action
// that has a main.go. It builds them once per test binary (static, trimmed,
// as the release does) unless ECSFLOW_BIN_DIR names a directory already
// holding them (make test builds bin/ first).
func BinDir(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if d := os.Getenv("ECSFLOW_BIN_DIR"); d != "" {
			binDir, binErr = filepath.Abs(d)
			return
		}
		binDir, binErr = build(RepoRoot(t))
	})
	if binErr != nil {
		t.Fatalf("e2e: %v", binErr)
	}
	return binDir
}

func build(root string) (string, error) {
	dir, err := os.MkdirTemp("", "ecsflow-e2e-bin-")
	if err != nil {
		return "", err
	}
	sandboxtest.AtExit(func() { _ = os.RemoveAll(dir) })
	var pkgs []string
	for _, a := range ecsflow.Actions {
		if _, err := os.Stat(filepath.Join(root, "actions", a, "main.go")); err == nil {
			pkgs = append(pkgs, "./actions/"+a)
		}
	}
	// One package at a time, so an action that does not compile (yet)
	// only fails the tests that use it; the compile cache is shared.
	for _, p := range pkgs {
		name := filepath.Base(p)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(dir, "ecsflow-"+name), p)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErrs[name] = fmt.Errorf("go build %s failed: %v\n%s", p, err, out)
		}
	}
	return dir, nil
}

// Built reports whether the binary of action is available (its main.go
// exists and was built). When the build failed, it fails the test with the
// compiler's output.
func Built(t testing.TB, action string) bool {
	t.Helper()
	dir := BinDir(t)
	if err := buildErrs[action]; err != nil {
		t.Fatalf("e2e: the %s binary could not be built: %v", action, err)
	}
	for _, n := range []string{"ecsflow-" + action, action} {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && !st.IsDir() {
			return true
		}
	}
	return false
}

// ActPath returns the act executable: $ACT, act on PATH, or
// $(go env GOPATH)/bin/act. It fails the test with the install command when
// act is missing.
func ActPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ACT"); p != "" {
		return p
	}
	if p, err := exec.LookPath("act"); err == nil {
		return p
	}
	if gb := goBin(); gb != "" {
		p := filepath.Join(gb, "act")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("e2e: act is not installed; install it with: go install github.com/nektos/act@v0.2.89")
	return ""
}

func goBin() string {
	if gb := os.Getenv("GOBIN"); gb != "" {
		return gb
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return ""
	}
	gp := strings.TrimSpace(string(out))
	if gp == "" {
		return ""
	}
	return filepath.Join(strings.Split(gp, string(os.PathListSeparator))[0], "bin")
}

var (
	gitOnce sync.Once
	gitErr  error
)

// RepoRoot returns the repository root (the directory with go.mod). act
// runs there and needs it to be a git repository (it reads the commit and
// serves actions/checkout from it): RepoRoot fails the test otherwise.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := sandboxtest.RepoRoot()
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	gitOnce.Do(func() {
		out, err := exec.Command("git", "-C", root, "rev-parse", "--verify", "HEAD").CombinedOutput()
		if err != nil {
			gitErr = fmt.Errorf("%s is not a git checkout with a commit (act needs one): %v: %s", root, err, strings.TrimSpace(string(out)))
		}
	})
	if gitErr != nil {
		t.Fatalf("e2e: %v", gitErr)
	}
	return root
}

// Sandbox returns the test binary's shared sandbox (starting it), for
// tests that check AWS state after a run.
func Sandbox(t testing.TB) *sandbox.Sandbox {
	t.Helper()
	return sandboxtest.Start(t)
}

// Main runs the tests, then stops the sandbox and removes the binaries
// BinDir built. Use it from TestMain: os.Exit(e2e.Main(m));
// sandboxtest.Main does the same.
func Main(m *testing.M) int { return sandboxtest.Main(m) }

// ParseActJSON reads the output of `act --json` into a Result (ExitCode is
// left 0). Run uses it; it is exported for tests of recorded runs.
func ParseActJSON(out []byte) *Result { return parse(out, nil) }
