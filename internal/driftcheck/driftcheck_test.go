package driftcheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/driftcheck"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/testenv/drifttest"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

var spec = func() *actionspec.Spec {
	data, err := os.ReadFile("../../actions/drift-check/action.yml")
	if err != nil {
		panic(err)
	}
	return actionspec.MustParse(data)
}()

// run drives the action like the runner does: INPUT_* variables, a console
// writing to a buffer, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
type run struct {
	code    int
	err     error
	log     string
	outputs map[string]string
	summary string
}

func runAction(t *testing.T, in map[string]string, extraEnv map[string]string, o driftcheck.Deps) run {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"RUNNER_TEMP":         dir,
	}
	for k, v := range extraEnv {
		vars[k] = v
	}
	for k, v := range in {
		vars[inputs.EnvName(k)] = v
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	getenv := func(k string) string { return vars[k] }
	var buf bytes.Buffer
	env := &cli.Env{
		Inputs:  inputs.New(spec, nil, lookup),
		Console: gha.New(&buf, getenv),
		Getenv:  getenv,
		Now:     func() time.Time { return time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC) },
		Stdout:  &buf,
	}
	if o.ReportDir == "" {
		o.ReportDir = dir
	}
	err := driftcheck.Run(context.Background(), env, o)
	sum, _ := os.ReadFile(vars["GITHUB_STEP_SUMMARY"])
	return run{code: exitcode.Code(err), err: err, log: buf.String(), outputs: env.Console.Outputs(), summary: string(sum)}
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBadInputExitsTwoNamingTheInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notState := writeFile(t, filepath.Join(dir, "plan.json"), `{"format_version":"1.2","planned_values":{}}`)
	yaml := writeFile(t, filepath.Join(dir, "state.yml"), "version: 4\n")
	noBackend := filepath.Join(dir, "nobackend")
	writeFile(t, filepath.Join(noBackend, "main.tf"), "resource \"aws_ecs_cluster\" \"x\" {\n  name = \"x\"\n}\n")
	otherBackend := filepath.Join(dir, "local")
	writeFile(t, filepath.Join(otherBackend, "main.tf"), "terraform {\n  backend \"local\" {}\n}\n")
	partial := filepath.Join(dir, "partial")
	writeFile(t, filepath.Join(partial, "versions.tf"), "terraform {\n  backend \"s3\" {\n    encrypt = true\n  }\n}\n")
	goodState := writeFile(t, filepath.Join(dir, "ok.tfstate"), `{"version":4,"serial":1,"lineage":"x","resources":[{"mode":"managed","type":"aws_ecs_cluster","name":"main","instances":[{"attributes":{"id":"arn:aws:ecs:us-east-1:123456789012:cluster/x","name":"x"}}]}]}`)

	offline := driftcheck.Deps{AWSConfig: func(context.Context) (aws.Config, error) {
		return aws.Config{}, errors.New("AWS must not be called for bad input")
	}}
	cases := []struct {
		name  string
		in    map[string]string
		input string
		want  string
	}{
		{"state is a plan, not state", map[string]string{"state": notState}, "state", "not a Terraform state"},
		{"state is yaml", map[string]string{"state": yaml}, "state", "not a Terraform state"},
		{"state file missing", map[string]string{"state": filepath.Join(dir, "nope.tfstate")}, "state", "does not exist"},
		{"state url without key", map[string]string{"state": "s3://bucket-only"}, "state", "s3://bucket/key"},
		{"state with another scheme", map[string]string{"state": "gs://b/k"}, "state", "unsupported scheme"},
		{"neither path nor state", map[string]string{}, "path", "both empty"},
		{"root without backend", map[string]string{"path": noBackend}, "path", "no `backend \"s3\"` block"},
		{"root with another backend", map[string]string{"path": otherBackend}, "path", "backend \"local\""},
		{"partial backend without env file", map[string]string{"path": partial}, "path", "has no bucket"},
		{"path not a directory", map[string]string{"path": goodState}, "path", "not a directory"},
		{"unknown resource type", map[string]string{"state": goodState, "resources": "aws_ecs_servce"}, "resources", "not a resource type"},
		{"remediate value", map[string]string{"state": goodState, "remediate": "all"}, "remediate", "not a known value"},
		{"fail-on-drift not bool", map[string]string{"state": goodState, "fail-on-drift": "maybe"}, "fail-on-drift", "not a boolean"},
		{"issue without token", map[string]string{"state": goodState, "issue": "true"}, "github-token", "required"},
		{"task definition not json", map[string]string{"state": goodState, "task-definitions": yaml}, "task-definitions", "not JSON"},
		{"ignore everything", map[string]string{"state": goodState, "ignore": "**"}, "ignore", "ignore everything"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runAction(t, tc.in, nil, offline)
			if r.code != exitcode.BadInput {
				t.Fatalf("exit %d (%v), want 2", r.code, r.err)
			}
			var ie *inputs.Error
			if !errors.As(r.err, &ie) || ie.Input != tc.input || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("error %q, want input %q and %q", r.err, tc.input, tc.want)
			}
		})
	}
}

func TestUnknownAddressFilterIsBadInput(t *testing.T) {
	t.Parallel()
	env := newEnv(t, 1)
	r := runAction(t, map[string]string{"state": env.stateFile, "resources": "aws_ecs_service.nothere"}, env.vars, env.opts)
	var ie *inputs.Error
	if r.code != exitcode.BadInput || !errors.As(r.err, &ie) || ie.Input != "resources" || !strings.Contains(r.err.Error(), "matches no resource") {
		t.Fatalf("exit %d err %v, want 2 naming resources", r.code, r.err)
	}
}

// testEnv is one stack in its own moto region.
type testEnv struct {
	c         drifttest.Clients
	st        *drifttest.Stack
	cfg       aws.Config
	vars      map[string]string
	opts      driftcheck.Deps
	stateFile string
}

var regionSeq atomic.Int32

var regions = []string{"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-2", "ca-central-1", "sa-east-1", "us-west-1", "us-west-2", "us-east-2", "ap-south-1"}

func newEnv(t *testing.T, services int) *testEnv { return newEnvWith(t, services, false) }

// newEnvWith builds a stack straight in moto, or, viaSimulator, through the
// sandbox's front door, where the ECS rollout simulator completes
// deployments (which moto never does).
func newEnvWith(t *testing.T, services int, viaSimulator bool) *testEnv {
	t.Helper()
	seq := int(regionSeq.Add(1))
	region := regions[(seq-1)%len(regions)]
	sb := sandboxtest.Start(t)
	cfg := sandboxtest.Config(t, region)
	if !viaSimulator {
		cfg.BaseEndpoint = aws.String(sb.MotoURL)
	}
	c := drifttest.NewClients(cfg, cloudwatchclient.Options(sb.Getenv)...)
	st, err := drifttest.Build(context.Background(), c, drifttest.Options{Name: fmt.Sprintf("c%d%s", seq, strings.ReplaceAll(region, "-", "")), Services: services,
		NoClusterSettings: viaSimulator})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, kv := range sb.Env() {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	vars["AWS_REGION"] = region
	e := &testEnv{c: c, st: st, cfg: cfg, vars: vars,
		opts: driftcheck.Deps{AWSConfig: func(context.Context) (aws.Config, error) { return cfg, nil }}}
	e.stateFile = writeFile(t, filepath.Join(t.TempDir(), "terraform.tfstate"), string(st.State()))
	return e
}

func TestInSyncExitsZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	r := runAction(t, map[string]string{"state": e.stateFile, "environment": "dev"}, e.vars, e.opts)
	if r.code != 0 {
		t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.log)
	}
	if r.outputs["drifted"] != "false" || r.outputs["changed"] != "0" || r.outputs["coverage"] != "100" {
		t.Errorf("outputs = %v", r.outputs)
	}
	if !strings.Contains(r.summary, "dev is in sync") {
		t.Errorf("summary:\n%s", r.summary)
	}
}

// TestDriftFromTheBackendWithIssueAndSafeRemediation runs the whole loop:
// state in S3 found through the HCL backend and the environment's partial
// config, lifecycle.ignore_changes from the HCL, drift reported with exit
// 1 and a GitHub issue opened; then remediate: safe fixes the tag, the
// hand-scaled service is put back by hand, and the next run closes the issue.
func TestDriftFromTheBackendWithIssueAndSafeRemediation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	ctx := context.Background()
	s0, s1 := e.st.Services[0], e.st.Services[1]
	s3c := s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "tfstate-" + e.st.Name
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(e.cfg.Region)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("app/staging/terraform.tfstate"), Body: bytes.NewReader(e.st.State())}); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "versions.tf"), "terraform {\n  backend \"s3\" {\n    encrypt = true\n  }\n}\n")
	writeFile(t, filepath.Join(root, "backend", "staging.s3.tfbackend"), fmt.Sprintf("bucket = %q\nkey    = \"app/staging/terraform.tfstate\"\nregion = %q\n", bucket, e.cfg.Region))
	writeFile(t, filepath.Join(root, "ecs.tf"), fmt.Sprintf(`resource "aws_ecs_service" %q {
  name = %q
  lifecycle {
    ignore_changes = [task_definition]
  }
}
`, s0.Name, s0.Name))

	ci, err := drifttest.NewRevision(ctx, e.c, s0.TaskDefARN, "ci-2")
	mustDo(t, err)
	mustDo(t, drifttest.SwapTaskDefinition(ctx, e.c, e.st.Cluster, s0.Name, ci)) // ignored by HCL
	mustDo(t, drifttest.ScaleService(ctx, e.c, e.st.Cluster, s1.Name, 9))        // review
	mustDo(t, drifttest.TagLogGroup(ctx, e.c, s1.LogGroup, "Owner", "mallory"))  // safe

	gh := newFakeGitHub()
	gh.dropLabels = true
	srv := httptest.NewServer(gh)
	defer srv.Close()
	vars := map[string]string{"GITHUB_REPOSITORY": "acme/app", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42"}
	for k, v := range e.vars {
		vars[k] = v
	}
	o := e.opts
	o.GitHubAPI, o.HTTPClient = srv.URL, srv.Client()
	in := map[string]string{"path": root, "environment": "staging", "issue": "true", "github-token": "ghs_secrettoken123", "remediate": "safe"}

	r := runAction(t, in, vars, o)
	if r.code != exitcode.Negative {
		t.Fatalf("exit %d (%v), want 1\n%s", r.code, r.err, r.log)
	}
	if r.outputs["changed"] != "2" || r.outputs["drifted"] != "true" || r.outputs["missing"] != "0" || r.outputs["issue-number"] != "1" {
		t.Errorf("outputs = %v", r.outputs)
	}
	if strings.Contains(r.log, "ghs_secrettoken123") {
		t.Error("token leaked into the log")
	}
	for _, want := range []string{"`desired_count`", "2 → 9", "`tags.Owner`", "(remediated: tag)", "Requires review", "Safe to remediate"} {
		if !strings.Contains(r.summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.summary)
		}
	}
	if strings.Contains(r.summary, "task_definition") {
		t.Errorf("ignore_changes task_definition reported:\n%s", r.summary)
	}
	var rep map[string]any
	data, err := os.ReadFile(r.outputs["report-json"])
	mustDo(t, err)
	mustDo(t, json.Unmarshal(data, &rep))
	if rep["environment"] != "staging" || rep["state"] != "s3://"+bucket+"/app/staging/terraform.tfstate" {
		t.Errorf("report = %v %v", rep["environment"], rep["state"])
	}
	if iss := gh.issue(1); iss == nil || !strings.Contains(iss.Body, "environment=staging") || iss.State != "open" || iss.Title != "Drift detected in staging" {
		t.Fatalf("issue = %+v", iss)
	}

	// Second run: the tag was fixed by remediation; the scale remains, so the issue is updated.
	r = runAction(t, in, vars, o)
	if r.code != exitcode.Negative || r.outputs["changed"] != "1" || gh.posts.Load() != 1 || gh.patches.Load() != 1 {
		t.Fatalf("second run: exit %d outputs %v posts %d patches %d\n%s", r.code, r.outputs, gh.posts.Load(), gh.patches.Load(), r.log)
	}
	// Put the service back by hand: in sync, issue closed with a comment.
	mustDo(t, drifttest.ScaleService(ctx, e.c, e.st.Cluster, s1.Name, 2))
	r = runAction(t, in, vars, o)
	if r.code != 0 {
		t.Fatalf("third run: exit %d %v\n%s", r.code, r.err, r.log)
	}
	if iss := gh.issue(1); iss.State != "closed" || len(iss.Comments) != 1 {
		t.Fatalf("issue after sync = %+v", iss)
	}
}

// The ledger decides task-definition drift: the CI-deployed revision of
// one service is not drift, the hand-made revision of the other is, and
// remediate: safe returns it to the last good revision through the deploy
// engine (on the sandbox's ECS simulator), records that in the ledger, and
// the run passes because nothing is left.
func TestLedgerTableDecidesTaskDefinitionDriftAndRemediationRedeploys(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, 2, true)
	ctx := context.Background()
	s0, s1 := e.st.Services[0], e.st.Services[1]
	ddb := dynamodb.NewFromConfig(e.cfg)
	table := "deployments-" + e.st.Name
	if _, err := ddb.CreateTable(ctx, ledger.CreateTableInput(table)); err != nil {
		t.Fatal(err)
	}
	ci, err := drifttest.NewRevision(ctx, e.c, s0.TaskDefARN, "ci-7")
	mustDo(t, err)
	mustDo(t, drifttest.SwapTaskDefinition(ctx, e.c, e.st.Cluster, s0.Name, ci))
	hand, err := drifttest.NewRevision(ctx, e.c, s1.TaskDefARN, "hand")
	mustDo(t, err)
	mustDo(t, drifttest.SwapTaskDefinition(ctx, e.c, e.st.Cluster, s1.Name, hand))
	l := &ledger.Ledger{DB: ddb, Table: table}
	now := time.Now().Add(-time.Hour)
	// deploy-ecs was given the cluster's ARN for this one.
	mustDo(t, l.Put(ctx, ledger.Record{ID: "1", Cluster: e.st.ClusterARN, Service: s0.Name, TaskDefinition: ci, Outcome: "succeeded", Start: now, End: now}))
	mustDo(t, l.Put(ctx, ledger.Record{ID: "2", Cluster: e.st.Cluster, Service: s1.Name, TaskDefinition: s1.TaskDefARN, Outcome: "succeeded", Start: now, End: now}))

	in := map[string]string{"state": e.stateFile, "environment": "prod", "ledger-table": table, "remediate": "safe"}
	r := runAction(t, in, e.vars, e.opts)
	if r.code != 0 || r.outputs["changed"] != "1" || r.outputs["drifted"] != "true" {
		t.Fatalf("exit %d outputs %v err %v\n%s\n%s", r.code, r.outputs, r.err, r.summary, r.log)
	}
	if !strings.Contains(r.summary, "aws_ecs_service."+s1.Name) || strings.Contains(r.summary, "aws_ecs_service."+s0.Name+"`") {
		t.Errorf("want only the hand-made revision of %s:\n%s", s1.Name, r.summary)
	}
	if !strings.Contains(r.summary, "(remediated: redeploy)") || !strings.Contains(r.log, "redeployed "+e.st.Name+"-"+s1.Name+":1") {
		t.Errorf("the redeploy is not reported:\n%s\n%s", r.summary, r.log)
	}
	hist, err := l.History(ctx, e.st.Cluster, s1.Name, 1)
	mustDo(t, err)
	if len(hist) != 1 || hist[0].TaskDefinition != s1.TaskDefARN || hist[0].Outcome != "succeeded" || !strings.Contains(hist[0].Reason, "drift-check") {
		t.Fatalf("ledger newest record = %+v", hist)
	}
	// The next scan is in sync.
	r = runAction(t, map[string]string{"state": e.stateFile, "environment": "prod", "ledger-table": table}, e.vars, e.opts)
	if r.code != 0 || r.outputs["drifted"] != "false" {
		t.Fatalf("after remediation: exit %d outputs %v\n%s", r.code, r.outputs, r.summary)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fakeGitHub is the slice of the GitHub issues REST API drift-check uses.
type fakeGitHub struct {
	mu      sync.Mutex
	issues  []*fakeIssue
	posts   atomic.Int32
	patches atomic.Int32
	// dropLabels mimics a token that may not set labels: issues are
	// created without them, so a label query finds nothing.
	dropLabels bool
}

type fakeIssue struct {
	Number   int      `json:"number"`
	Title    string   `json:"title"`
	Body     string   `json:"body"`
	State    string   `json:"state"`
	Labels   []string `json:"-"`
	Comments []string `json:"-"`
}

func newFakeGitHub() *fakeGitHub { return &fakeGitHub{} }

func (g *fakeGitHub) issue(n int) *fakeIssue {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n < 1 || n > len(g.issues) {
		return nil
	}
	c := *g.issues[n-1]
	return &c
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer ghs_secrettoken123" {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	p := r.URL.Path
	switch {
	case r.Method == http.MethodGet && p == "/repos/acme/app/issues":
		label := r.URL.Query().Get("labels")
		if (label != "" && label != driftcheck.IssueLabel) || r.URL.Query().Get("state") != "open" {
			http.Error(w, "bad query", 400)
			return
		}
		out := []*fakeIssue{}
		for _, i := range g.issues {
			if i.State == "open" && (label == "" || !g.dropLabels) {
				out = append(out, i)
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && p == "/repos/acme/app/issues":
		g.posts.Add(1)
		i := &fakeIssue{Number: len(g.issues) + 1, Title: in["title"].(string), Body: in["body"].(string), State: "open"}
		g.issues = append(g.issues, i)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(i)
	case r.Method == http.MethodPatch && strings.HasPrefix(p, "/repos/acme/app/issues/"):
		g.patches.Add(1)
		var n int
		fmt.Sscanf(strings.TrimPrefix(p, "/repos/acme/app/issues/"), "%d", &n)
		i := g.issues[n-1]
		if v, ok := in["body"].(string); ok {
			i.Body = v
		}
		if v, ok := in["state"].(string); ok {
			i.State = v
		}
		_ = json.NewEncoder(w).Encode(i)
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/comments"):
		var n int
		fmt.Sscanf(strings.TrimPrefix(p, "/repos/acme/app/issues/"), "%d", &n)
		g.issues[n-1].Comments = append(g.issues[n-1].Comments, in["body"].(string))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{}`))
	default:
		http.Error(w, "not found", 404)
	}
}

func TestMissingBucketOrKeyIsBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	ctx := context.Background()
	s3c := s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "tfstate-keyless-" + e.st.Name
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(e.cfg.Region)}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, state, want string }{
		{"bucket", "s3://no-such-bucket-" + e.st.Name + "/x/terraform.tfstate", "does not exist"},
		{"key", "s3://" + bucket + "/nope/terraform.tfstate", `key "nope/terraform.tfstate" does not exist`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runAction(t, map[string]string{"state": tc.state}, e.vars, e.opts)
			var ie *inputs.Error
			if r.code != exitcode.BadInput || !errors.As(r.err, &ie) || ie.Input != "state" || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("exit %d err %v, want 2 naming state and %q", r.code, r.err, tc.want)
			}
		})
	}
}

func TestStateNotTerraformFromS3IsBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	ctx := context.Background()
	s3c := s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "tfstate-junk-" + e.st.Name
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(e.cfg.Region)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("junk"), Body: strings.NewReader("<html>login</html>")}); err != nil {
		t.Fatal(err)
	}
	r := runAction(t, map[string]string{"state": "s3://" + bucket + "/junk"}, e.vars, e.opts)
	if r.code != exitcode.BadInput || !strings.Contains(r.err.Error(), `input "state"`) || !strings.Contains(r.err.Error(), "not a Terraform state") {
		t.Fatalf("exit %d err %v", r.code, r.err)
	}
}

func TestUncoveredTypesAndResourceFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	e.st.AddResource("aws_efs_file_system", "data", map[string]any{"id": "fs-1"})
	state := writeFile(t, filepath.Join(t.TempDir(), "s.tfstate"), string(e.st.State()))
	mustDo(t, drifttest.ScaleService(context.Background(), e.c, e.st.Cluster, e.st.Services[1].Name, 4))
	// Filter to target groups only: the scaled service is out of scope.
	r := runAction(t, map[string]string{"state": state, "resources": "aws_lb_target_group"}, e.vars, e.opts)
	if r.code != 0 || !strings.Contains(r.log, "2 managed resource instances in scope") {
		t.Fatalf("exit %d %v\n%s", r.code, r.err, r.log)
	}
	r = runAction(t, map[string]string{"state": state, "fail-on-drift": "false"}, e.vars, e.opts)
	if r.code != 0 || r.outputs["changed"] != "1" || !strings.Contains(r.summary, "`aws_efs_file_system` | 1 | type not covered by drift-check") {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.summary)
	}
}

// The example Terraform root of the repository: its backend and partial
// configs locate each environment's state, and its ignore_changes are read.
func TestExampleRootLocatesEachEnvironmentsState(t *testing.T) {
	t.Parallel()
	root := "../../examples/open-webui/terraform"
	if _, err := os.Stat(filepath.Join(root, "versions.tf")); err != nil {
		t.Fatalf("the example root is missing: %v", err)
	}
	tds := "../../examples/open-webui/task-definitions/open-webui.json\n../../examples/open-webui/task-definitions/mcpo.json"
	// Outside Actions the workspace is the current directory: var files are
	// named from it, like every file input.
	for _, env := range []string{"dev", "staging", "prod"} {
		// The environment comes from the var-file, as the phase-3 workflow passes it.
		lookup := func(k string) (string, bool) {
			v, ok := map[string]string{"INPUT_PATH": root, "INPUT_VAR-FILES": root + "/environments/" + env + ".tfvars", "INPUT_TASK-DEFINITIONS": tds}[k]
			return v, ok
		}
		cfg, err := driftcheck.ParseConfig(inputs.New(spec, nil, lookup), func(string) string { return "" })
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		if want := "s3://ecsflow-tfstate-" + env + "/open-webui/" + env + "/terraform.tfstate"; cfg.State.String() != want {
			t.Errorf("%s: state %s, want %s", env, cfg.State, want)
		}
		if cfg.Environment != env || cfg.Region == "" {
			t.Errorf("%s: environment %q region %q from the var-file", env, cfg.Environment, cfg.Region)
		}
		if len(cfg.Desired) != 2 || cfg.Desired[0].Family != "open-webui" || cfg.Desired[1].Family != "mcpo" {
			t.Errorf("%s: task definitions %+v", env, cfg.Desired)
		}
		found := false
		for addr, attrs := range cfg.IgnoreHCL {
			if strings.HasPrefix(addr, "aws_ecs_service.") && strings.Join(attrs, ",") == "desired_count,task_definition" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: ignore_changes of the services not read: %v", env, cfg.IgnoreHCL)
		}
	}
}

// remediate: safe puts the tags of every kind of resource back as the state
// has them, through each service's own tagging API; the next run is in sync.
func TestSafeRemediationRetagsEveryService(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	mustDo(t, drifttest.TagEverywhere(context.Background(), e.c, e.st, "CostCenter", "oops"))
	r := runAction(t, map[string]string{"state": e.stateFile, "remediate": "safe"}, e.vars, e.opts)
	if r.code != 0 || r.outputs["changed"] != "6" {
		t.Fatalf("exit %d outputs %v err %v\n%s", r.code, r.outputs, r.err, r.summary)
	}
	if n := strings.Count(r.log, "removed tag CostCenter"); n != 6 {
		t.Errorf("%d remediations logged, want 6:\n%s", n, r.log)
	}
	r = runAction(t, map[string]string{"state": e.stateFile}, e.vars, e.opts)
	if r.code != 0 || r.outputs["drifted"] != "false" {
		t.Fatalf("after remediation: exit %d outputs %v\n%s", r.code, r.outputs, r.summary)
	}
}
