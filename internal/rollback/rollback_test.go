package rollback

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/clock"
	"github.com/ecsflow/ecsflow/internal/deploy"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/forecast"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/forecastsim"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/simaccount"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

var spec = func() []byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "actions", "rollback", "action.yml"))
	if err != nil {
		panic(err)
	}
	return b
}()

var t0 = simaccount.T0

type env struct {
	t     *testing.T
	acct  *simaccount.Account
	sim   *ecssim.Sim
	ecs   *iamECS
	gh    *fakeGitHub
	ddb   ledger.DynamoDB
	clock clock.Clock
	// cw and elb replace the alarm-only CloudWatch and the absent ELB
	// client when set (anomaly scenarios).
	cw  deploy.CloudWatch
	elb deploy.ELB
	// forecast answers GetPredictiveScalingForecast (nil: no client).
	forecast forecast.API
}

// newEnv: cluster prod, service web (2 tasks) steady on web:1 (image web:v1).
func newEnv(t *testing.T, cfg *types.DeploymentConfiguration) *env {
	t.Helper()
	return newEnvLB(t, cfg, nil)
}

// newEnvLB is newEnv with the service behind load balancers and the
// simulator's options (its read lag and throttling are on by default).
func newEnvLB(t *testing.T, cfg *types.DeploymentConfiguration, lbs []types.LoadBalancer, opts ...ecssim.Option) *env {
	t.Helper()
	a := simaccount.NewEmpty(t, opts...)
	sim := a.Sim
	e := &env{t: t, acct: a, sim: sim, ecs: newIAMECS(sim), gh: newFakeGitHub(t), clock: a.Clock()}
	a.CreateService("web", cfg, lbs)
	sim.Advance(3 * time.Minute)
	return e
}

func (e *env) register(image string) string { return e.acct.Register("web", image) }

// update moves web to a new revision with image and lets d pass.
func (e *env) update(image string, d time.Duration) string {
	arn := e.register(image)
	_, err := e.ecs.UpdateService(context.Background(), &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("web"), TaskDefinition: aws.String(arn)})
	require.NoError(e.t, err)
	e.sim.Advance(d)
	return arn
}

func (e *env) service() types.Service { return e.acct.Service("web") }

func (e *env) steadyOn(rev string) {
	e.t.Helper()
	e.acct.SteadyOn("web", rev)
}

type result struct {
	code                     int
	stdout, outputs, summary string
}

func (e *env) run(inputs map[string]string) result {
	e.t.Helper()
	return e.runWith(inputs, nil)
}

// runWith is run with extra or replaced runner variables.
func (e *env) runWith(inputs, runner map[string]string) result {
	e.t.Helper()
	dir := e.t.TempDir()
	vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "out"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "sum"),
		"GITHUB_REPOSITORY": "acme/shop", "GITHUB_API_URL": e.gh.srv.URL, "GITHUB_RUN_ID": "7", "GITHUB_SERVER_URL": "https://github.com"}
	for k, v := range runner {
		vars[k] = v
	}
	for k, v := range inputs {
		vars["INPUT_"+strings.ToUpper(k)] = v
	}
	deps := Deps{
		Clients: func(context.Context, *cli.Env) (Clients, error) {
			var cw deploy.CloudWatch = e.acct.Alarms
			if e.cw != nil {
				cw = e.cw
			}
			return Clients{ECS: e.ecs, CloudWatch: cw, ELB: e.elb, DynamoDB: e.ddb, Forecast: e.forecast}, nil
		},
		Clock: e.clock,
		HTTP:  e.gh.srv.Client(),
	}
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), cli.Command{Spec: spec, Run: func(ctx context.Context, env *cli.Env) error { return Run(ctx, env, deps) }}, nil, &out, &errb, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	o, _ := os.ReadFile(vars["GITHUB_OUTPUT"])
	s, _ := os.ReadFile(vars["GITHUB_STEP_SUMMARY"])
	return result{code: code, stdout: out.String() + errb.String(), outputs: string(o), summary: string(s)}
}

func (e *env) mutations() int { return e.acct.Mutations() }

func output(outputs, name string) string {
	// GITHUB_OUTPUT uses name<<delimiter\nvalue\ndelimiter blocks
	lines := strings.Split(outputs, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, name+"<<") && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	return ""
}

// fakeGitHub is the part of the GitHub REST API escalation uses.
type fakeGitHub struct {
	mu       sync.Mutex
	srv      *httptest.Server
	issues   []map[string]any
	comments map[int][]string
	auth     []string
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	g := &fakeGitHub{comments: map[int][]string{}}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.auth = append(g.auth, r.Header.Get("Authorization"))
		body, _ := io.ReadAll(r.Body)
		var in map[string]any
		_ = json.Unmarshal(body, &in)
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/repos/acme/shop/issues":
			_ = json.NewEncoder(w).Encode(g.issues)
		case r.Method == http.MethodPost && r.URL.Path == "/repos/acme/shop/issues":
			n := len(g.issues) + 1
			is := map[string]any{"number": n, "title": in["title"], "body": in["body"], "html_url": fmt.Sprintf("https://github.com/acme/shop/issues/%d", n)}
			g.issues = append(g.issues, is)
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(is)
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/comments"):
			var n int
			fmt.Sscanf(r.URL.Path, "/repos/acme/shop/issues/%d/comments", &n)
			g.comments[n] = append(g.comments[n], fmt.Sprint(in["body"]))
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func TestRollbackToPrevious(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.update("web:v2", 3*time.Minute)
	e.steadyOn("web:2")
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "reason": "bad release"})
	require.Equal(t, 0, r.code, r.stdout)
	e.steadyOn("web:1")
	assert.Equal(t, "true", output(r.outputs, "rolled-back"))
	assert.Equal(t, "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1", output(r.outputs, "task-definition-arn"))
	assert.Contains(t, r.summary, "rollback (bad release): succeeded")
	assert.Contains(t, r.summary, "reusing existing revision web:1")
	assert.Empty(t, e.sim.DeregisteredInUse())
}

// A rollback into a forecast peak is warned about and goes ahead; with
// forecast-guard: block it does not start and nothing changes.
func TestRollbackForecastGuard(t *testing.T) {
	t.Parallel()
	cases := []struct {
		guard, policy string
		code          int
		rolled        bool
		says          string
	}{
		{"warn", "prod-web-predictive", 0, true, "the deployment starts into a forecast peak: 9 tasks"},
		{"block", "prod-web-predictive", 1, false, "rollback not started: forecast-guard is block"},
		{"block", "another-policy", 0, true, "forecast not read: no predictive scaling policy prod-web-predictive"},
		{"off", "prod-web-predictive", 0, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.guard+"/"+tc.policy, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.update("web:v2", 3*time.Minute)
			e.steadyOn("web:2")
			e.forecast = forecastAPI(t, "service/prod/web", tc.policy, e.sim.Now(), 2, 9, 3)
			before := e.mutations()
			r := e.run(map[string]string{"cluster": "prod", "service": "web", "forecast-guard": tc.guard})
			require.Equal(t, tc.code, r.code, r.stdout)
			assert.Contains(t, r.stdout, tc.says)
			if tc.guard == "off" {
				assert.NotContains(t, r.stdout, "forecast")
			}
			if tc.rolled {
				e.steadyOn("web:1")
			} else {
				assert.Equal(t, before, e.mutations(), "a blocked rollback changes nothing")
			}
		})
	}
}

// forecastAPI is the real SDK client reading a capacity forecast (one
// value per hour from the hour before now) from the forecast stand-in.
func forecastAPI(t *testing.T, resourceID, policy string, now time.Time, values ...float64) forecast.API {
	t.Helper()
	store := forecastsim.New()
	store.Set("us-east-1", resourceID, policy, forecastsim.Hourly(now.Add(-time.Hour), values...))
	c, stop := store.Client("us-east-1")
	t.Cleanup(stop)
	return c
}

func TestRollbackToNamedRevision(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.update("web:v2", 3*time.Minute)
	e.update("web:v3", 3*time.Minute)
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "to": "web:1"})
	require.Equal(t, 0, r.code, r.stdout)
	e.steadyOn("web:1")
}

func TestRollbackPerServiceLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.update("web:v2", 3*time.Minute)
	e.update("web:v3", 3*time.Minute)
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "to": "web=web:1"})
	require.Equal(t, 0, r.code, r.stdout)
	e.steadyOn("web:1")
}

func TestRollbackAlreadyThere(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	before := e.mutations()
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "to": "web:1"})
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, "false", output(r.outputs, "rolled-back"))
	assert.Equal(t, before, e.mutations())
}

func TestRollbackBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		inputs map[string]string
		input  string
		words  string
	}{
		{"unknown revision", map[string]string{"cluster": "prod", "service": "web", "to": "web:99"}, "to", "not a registered task definition revision"},
		{"nonsense to", map[string]string{"cluster": "prod", "service": "web", "to": "yesterday"}, "to", "is not previous, last-known-good"},
		{"lkg without ledger", map[string]string{"cluster": "prod", "service": "web", "to": "last-known-good"}, "to", "needs ledger-table"},
		{"no previous", map[string]string{"cluster": "prod", "service": "web"}, "to", "completed a deployment without being rolled back"},
		{"missing service", map[string]string{"cluster": "prod", "service": "api"}, "service", "does not exist"},
		{"missing cluster", map[string]string{"cluster": "staging", "service": "web"}, "cluster", "does not exist"},
		{"pinned revision for several services", map[string]string{"cluster": "prod", "service": "web,api", "to": "web:1"}, "to", "pins one revision but 2 services are given"},
		{"target line for unknown service", map[string]string{"cluster": "prod", "service": "web", "to": "api=api:1"}, "to", "one service=revision line per service"},
		{"bad mode", map[string]string{"cluster": "prod", "service": "web", "mode": "auto"}, "mode", "allowed: check, known-good, rollback"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			before := e.mutations()
			r := e.run(tc.inputs)
			require.Equal(t, 2, r.code, r.stdout)
			assert.Contains(t, r.stdout, `::error::input "`+tc.input+`"`)
			assert.Contains(t, r.stdout, tc.words)
			assert.Equal(t, before, e.mutations())
		})
	}
}

// GITHUB_REPOSITORY is only the escalation issue's default: a value that is
// not owner/name (act derives it from a clone's remote path) matters only
// when an issue may be opened.
func TestRollbackRunnerRepositoryCheckedOnlyWhenUsed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	r := e.runWith(map[string]string{"cluster": "prod", "service": "web", "to": "web:1"}, map[string]string{"GITHUB_REPOSITORY": "/work/main"})
	require.Equal(t, 0, r.code, r.stdout)

	r = e.runWith(map[string]string{"cluster": "prod", "service": "web", "mode": "check", "github-token": "ghs_test"}, map[string]string{"GITHUB_REPOSITORY": "/work/main"})
	require.Equal(t, 2, r.code, r.stdout)
	assert.Contains(t, r.stdout, `::error::input "github-repository": value "/work/main": is empty and GITHUB_REPOSITORY is not owner/name`)
}

func TestRollbackLastKnownGoodFromLedger(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cfg := sandboxtest.Config(t, "eu-west-2")
	db := dynamodb.NewFromConfig(cfg)
	table := fmt.Sprintf("lkg-%d", time.Now().UnixNano())
	_, err := db.CreateTable(context.Background(), ledger.CreateTableInput(table))
	require.NoError(t, err)
	e.ddb = db
	l := &ledger.Ledger{DB: db, Table: table}
	v2 := e.update("web:v2", 3*time.Minute)
	v3 := e.update("web:v3", 3*time.Minute)
	base := t0
	require.NoError(t, l.Put(context.Background(), ledger.Record{Cluster: "prod", Service: "web", TaskDefinition: v2, Outcome: "succeeded", Start: base.Add(time.Minute)}))
	require.NoError(t, l.Put(context.Background(), ledger.Record{Cluster: "prod", Service: "web", TaskDefinition: v3, Outcome: "succeeded", Start: base.Add(2 * time.Minute)}))
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "to": "last-known-good", "ledger-table": table, "reason": "alarm"})
	require.Equal(t, 0, r.code, r.stdout)
	e.steadyOn("web:2")
	hist, err := l.History(context.Background(), "prod", "web", 1)
	require.NoError(t, err)
	require.Len(t, hist, 1)
	assert.Equal(t, v3, hist[0].RollbackOf, "the ledger records what was rolled back")
	assert.Equal(t, v2, hist[0].TaskDefinition)
	assert.Equal(t, "alarm", hist[0].Reason)
}

func TestCheckHealthyDoesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	before := e.mutations()
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "mode": "check", "github-token": "ghs_secret_token_value"})
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, before, e.mutations())
	assert.Equal(t, "false", output(r.outputs, "rolled-back"))
	assert.Contains(t, r.summary, "| web | web:1 |  | healthy |")
	assert.Empty(t, e.gh.issues)
	assertMasked(t, r.stdout, "ghs_secret_token_value")
}

func TestCheckStuckDeploymentRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultSlowStart, Image: "web:v2", After: 10 * time.Hour})
	e.update("web:v2", 40*time.Minute)
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "mode": "check"})
	require.Equal(t, 0, r.code, r.stdout)
	e.steadyOn("web:1")
	assert.Equal(t, "true", output(r.outputs, "rolled-back"))
	assert.Contains(t, r.summary, "stuck")
	assert.Contains(t, r.summary, "rolled back to web:1: succeeded")
}

func TestCheckAlarmAfterRecentDeployRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.update("web:v2", 5*time.Minute)
	e.sim.SetAlarmState("web-5xx", "ALARM")
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "mode": "check", "alarms": "web-5xx"})
	require.Equal(t, 0, r.code, r.stdout)
	e.steadyOn("web:1")
	assert.Contains(t, r.summary, "alarm web-5xx in ALARM")
}

func TestCheckBelowDesiredRedeploysThenEscalates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	// From now on no task can pull its image; scaling out leaves the
	// service below its desired count.
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:v1"})
	_, err := e.sim.UpdateService(context.Background(), &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("web"), DesiredCount: aws.Int32(4)})
	require.NoError(t, err)
	e.sim.Advance(12 * time.Minute)
	updates := e.sim.Calls()["UpdateService"]
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "mode": "check", "below-desired-for": "5m", "timeout": "5m", "github-token": "ghs_tok_abcdef"})
	require.Equal(t, 1, r.code, r.stdout)
	assert.Equal(t, updates+1, e.sim.Calls()["UpdateService"], "one forced new deployment")
	assert.Contains(t, r.summary, "running 2 of 4 tasks for more than 5m0s")
	assert.Contains(t, r.summary, "redeploy did not heal it")
	assert.Contains(t, r.summary, "needs a person")
	require.Len(t, e.gh.issues, 1)
	assert.Contains(t, e.gh.issues[0]["body"], "running 2 of 4 tasks")
	assert.True(t, strings.HasSuffix(aws.ToString(e.service().TaskDefinition), "/web:1"), "a redeploy keeps the revision")
}

func TestCheckEscalatesOnceAndUpdates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sim.Advance(3 * time.Hour) // the revision has run a long time
	e.sim.SetAlarmState("web-latency", "ALARM")
	in := map[string]string{"cluster": "prod", "service": "web", "mode": "check", "alarms": "web-latency", "github-token": "ghs_tok_123456"}
	r := e.run(in)
	require.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "cannot heal: web")
	require.Len(t, e.gh.issues, 1)
	assert.Equal(t, "ecsflow: prod/web needs attention", e.gh.issues[0]["title"])
	assert.Contains(t, e.gh.issues[0]["body"], "alarm web-latency in ALARM")
	r = e.run(in)
	require.Equal(t, 1, r.code)
	require.Len(t, e.gh.issues, 1, "the second run updates the same issue")
	require.Len(t, e.gh.comments[1], 1)
	assert.Equal(t, "Bearer ghs_tok_123456", e.gh.auth[0])
	assertMasked(t, r.stdout, "ghs_tok_123456")
}

// assertMasked checks the token is registered as a mask and printed nowhere else.
func assertMasked(t *testing.T, stdout, token string) {
	t.Helper()
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "::add-mask::") {
			continue
		}
		assert.NotContains(t, l, token)
	}
	assert.Contains(t, stdout, "::add-mask::"+token)
}

func TestCheckFailedDeploymentRollsBack(t *testing.T) {
	t.Parallel()
	// circuit breaker without rollback: ECS marks the deployment FAILED and
	// leaves the service broken
	e := newEnv(t, &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true}})
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:v2"})
	e.update("web:v2", 10*time.Minute)
	var states []string
	for _, d := range e.service().Deployments {
		states = append(states, aws.ToString(d.Status)+"="+string(d.RolloutState))
	}
	require.Contains(t, states, "PRIMARY=FAILED", "fixture: a FAILED deployment")
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "mode": "check"})
	require.Equal(t, 0, r.code, r.stdout)
	e.steadyOn("web:1")
	assert.Contains(t, r.summary, "FAILED")
	assert.Contains(t, r.summary, "rolled back to web:1: succeeded")
	assert.Equal(t, "true", output(r.outputs, "rolled-back"))
}
