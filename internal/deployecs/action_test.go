package deployecs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/forecastsim"
	"github.com/ecsflow/ecsflow/internal/testenv/ghatest"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/simaccount"
)

var deploySpec = func() []byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "actions", "deploy-ecs", "action.yml"))
	if err != nil {
		panic(err)
	}
	return b
}()

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

// env is the simulated account (internal/testenv/simaccount) that
// deploy-ecs runs against.
type env struct {
	*simaccount.Account
	// ddb is the ledger's DynamoDB client of action runs.
	ddb ledger.DynamoDB
	// wrap, when set, puts wrappers around the clients of action runs.
	wrap func(Clients) Clients
}

func newEnv(t testing.TB, cfg *types.DeploymentConfiguration, services ...string) *env {
	t.Helper()
	return &env{Account: simaccount.New(t, cfg, services...)}
}

func newEnvWith(t testing.TB, opts []ecssim.Option, cfg *types.DeploymentConfiguration, services ...string) *env {
	t.Helper()
	return &env{Account: simaccount.NewWith(t, opts, cfg, services...)}
}

type actionRun struct {
	code             int
	stdout, stderr   string
	outputs, summary string
}

// runAction runs deploy-ecs through cli.Run as the binary would, inside a
// simulated GitHub Actions environment, against e's simulator.
func (e *env) runAction(t testing.TB, inputs map[string]string) actionRun {
	return e.runActionOn(t, e.Sim, inputs)
}

// runActionOn is runAction with another ECS client in front of the
// simulator (a throttling one, for instance).
func (e *env) runActionOn(t testing.TB, client deploy.ECS, inputs map[string]string) actionRun {
	t.Helper()
	return e.runActionWith(context.Background(), t, inputs, client, e.ddb)
}

// runActionWith is runAction with a context and the ECS and DynamoDB
// clients of this run (wrappers that cancel or contend).
func (e *env) runActionWith(ctx context.Context, t testing.TB, inputs map[string]string, ecsc deploy.ECS, ddb ledger.DynamoDB) actionRun {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "out"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"AWS_REGION": "us-east-1",
	}
	for k, v := range inputs {
		vars["INPUT_"+strings.ToUpper(k)] = v
	}
	deps := Deps{
		Clients: func(context.Context, *cli.Env) (Clients, error) {
			c := Clients{ECS: ecsc, CloudWatch: e.Alarms, ELB: simaccount.ELB{Sim: e.Sim}, DynamoDB: ddb}
			if e.wrap != nil {
				c = e.wrap(c)
			}
			return c, nil
		},
		Clock: e.Clock(),
		HTTP:  e.HTTP,
	}
	var stdout, stderr bytes.Buffer
	code := cli.Run(ctx, cli.Command{Spec: deploySpec, Run: func(ctx context.Context, env *cli.Env) error { return Run(ctx, env, deps) }}, nil, &stdout, &stderr, func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	})
	out, _ := os.ReadFile(vars["GITHUB_OUTPUT"])
	sum, _ := os.ReadFile(vars["GITHUB_STEP_SUMMARY"])
	return actionRun{code: code, stdout: stdout.String(), stderr: stderr.String(), outputs: string(out), summary: string(sum)}
}

func TestActionBadInputExit2(t *testing.T) {
	t.Parallel()
	tdFile, _ := filepath.Abs(filepath.Join("testdata", "web.json"))
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(badJSON, []byte(`{"family": "web", "containerDefinitions": [`), 0o644))
	noImage := filepath.Join(dir, "noimage.json")
	require.NoError(t, os.WriteFile(noImage, []byte(`{"family": "web", "containerDefinitions": [{"name": "app"}]}`), 0o644))
	cases := []struct {
		name   string
		inputs map[string]string
		input  string
		words  string
	}{
		{"missing cluster", map[string]string{"cluster": "nope", "service": "web"}, "cluster", "does not exist in this account and region"},
		{"missing service", map[string]string{"cluster": "prod", "service": "api"}, "service", `"api": does not exist in cluster "prod"`},
		{"bad cluster name", map[string]string{"cluster": "no such", "service": "web"}, "cluster", "not a cluster name"},
		{"invalid json", map[string]string{"cluster": "prod", "service": "web", "task-definition": badJSON}, "task-definition", "not valid JSON"},
		{"missing image field", map[string]string{"cluster": "prod", "service": "web", "task-definition": noImage}, "task-definition", "containerDefinitions[0].image: is required"},
		{"unreadable file", map[string]string{"cluster": "prod", "service": "web", "task-definition": filepath.Join(dir, "none.json")}, "task-definition", "cannot be read"},
		{"bad image", map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "image": "web:::bad"}, "image", "does not parse"},
		{"unknown container (file)", map[string]string{"cluster": "prod", "service": "web", "task-definition": tdFile, "container-name": "api", "image": "web:v2"}, "container-name", `container "api" is not in the task definition`},
		{"unknown container (live)", map[string]string{"cluster": "prod", "service": "web", "container-name": "api", "image": "web:v2"}, "container-name", `container "api" is not in task definition family "web"`},
		{"unknown container (images)", map[string]string{"cluster": "prod", "service": "web", "images": "api=web:v2"}, "images", `container "api" is not in task definition family "web"; it has "app"`},
		{"bad images line", map[string]string{"cluster": "prod", "service": "web", "images": "app"}, "images", "is not a container=image line"},
		{"desired count", map[string]string{"cluster": "prod", "service": "web", "desired-count": "-1"}, "desired-count", "out of range"},
		{"log options without driver", map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "log-configuration-options": "a=b"}, "log-configuration-options", "need a log driver"},
		{"image without container", map[string]string{"cluster": "prod", "service": "web", "image": "web:v2"}, "container-name", "is required with image"},
		{"bad strategy", map[string]string{"cluster": "prod", "service": "web", "strategy": "yolo"}, "strategy", "allowed: blue-green, canary, linear, rolling"},
		{"bad timeout", map[string]string{"cluster": "prod", "service": "web", "timeout": "soon"}, "timeout", "not a duration"},
		{"bad canary percent", map[string]string{"cluster": "prod", "service": "web", "canary-percent": "150"}, "canary-percent", "from 0.1 to 100 in steps of 0.1"},
		{"bad order", map[string]string{"cluster": "prod", "service": "web", "order": "web > api"}, "order", `"api" is not one of the services`},
		{"missing alarm", map[string]string{"cluster": "prod", "service": "web", "alarms": "nope-5xx"}, "alarms", "no such CloudWatch alarm in this account and region"},
		{"bad metric gates", map[string]string{"cluster": "prod", "service": "web", "metric-gates": `[{"name":"x"}]`}, "metric-gates", "needs namespace and metric"},
		{"bad health url", map[string]string{"cluster": "prod", "service": "web", "health-check-url": "ftp://x"}, "health-check-url", "not an http(s) URL"},
		{"bad secret", map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "secrets": "KEY=plaintext"}, "secrets", "valueFrom must be"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, "web")
			e.Alarms.Known = map[string]bool{}
			before := e.Mutations()
			r := e.runAction(t, tc.inputs)
			require.Equal(t, 2, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			errLines := 0
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.HasPrefix(l, "::error") {
					errLines++
					assert.Contains(t, l, `input "`+tc.input+`"`)
					assert.Contains(t, l, tc.words)
				}
			}
			assert.Equal(t, 1, errLines, "exactly one ::error line: %s", r.stdout)
			assert.Equal(t, before, e.Mutations(), "nothing may change in AWS on bad input")
		})
	}
}

func TestActionDeploySucceeds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	tdFile, _ := filepath.Abs(filepath.Join("testdata", "web.json"))
	r := e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "task-definition": tdFile, "container-name": "app", "image": "web:v2",
		"environment-variables": "LOG_LEVEL=debug"})
	require.Equal(t, 0, r.code, r.stdout)
	e.SteadyOn("web", "web:2")
	assert.Contains(t, r.outputs, "status<<")
	assert.Contains(t, r.outputs, "succeeded")
	assert.Contains(t, r.outputs, "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2")
	assert.Contains(t, r.outputs, "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1")
	assert.Contains(t, r.summary, "completed: web:2 is steady")
	assert.Contains(t, r.stdout, "::group::Deploying web to cluster prod")
	assert.Contains(t, r.stdout, "[web] event:")

	// The same inputs again: the revision ECS describes matches the file,
	// so nothing is registered and nothing deployed.
	registered := e.Sim.Calls()["RegisterTaskDefinition"]
	updates := e.Sim.Calls()["UpdateService"]
	r = e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "task-definition": tdFile, "container-name": "app", "image": "web:v2",
		"environment-variables": "LOG_LEVEL=debug"})
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, registered, e.Sim.Calls()["RegisterTaskDefinition"])
	assert.Equal(t, updates, e.Sim.Calls()["UpdateService"])
	assert.Contains(t, r.summary, "nothing to deploy")
}

// A deployment into a forecast peak is warned about and goes ahead; with
// forecast-guard: block it does not start and nothing changes in AWS.
func TestActionForecastGuard(t *testing.T) {
	t.Parallel()
	cases := []struct {
		guard    string
		forecast []float64
		code     int
		deployed bool
		says     string
	}{
		{"warn", []float64{2, 9, 3}, 0, true, "::warning::web: the deployment starts into a forecast peak: 9 tasks"},
		{"block", []float64{2, 9, 3}, 1, false, "deployment not started: forecast-guard is block and web: the deployment starts into a forecast peak"},
		{"block", []float64{9, 2, 2}, 0, true, "web: no forecast peak in the deployment window (2 tasks forecast"},
		{"block", nil, 0, true, "::notice::web: forecast not read: policy prod-web-predictive has no capacity forecast yet"},
	}
	for _, tc := range cases {
		t.Run(tc.guard+"/"+tc.says[:20], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, "web")
			store := forecastsim.New()
			store.Set("us-east-1", "service/prod/web", "prod-web-predictive", forecastsim.Hourly(e.Clock().Now().Add(-time.Hour), tc.forecast...))
			api, stop := store.Client("us-east-1")
			t.Cleanup(stop)
			e.wrap = func(c Clients) Clients { c.Forecast = api; return c }
			tdFile, _ := filepath.Abs(filepath.Join("testdata", "web.json"))
			before := e.Mutations()
			r := e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "task-definition": tdFile, "container-name": "app", "image": "web:v2", "forecast-guard": tc.guard})
			require.Equal(t, tc.code, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stdout+r.stderr, tc.says)
			if tc.deployed {
				e.SteadyOn("web", "web:2")
			} else {
				assert.Equal(t, before, e.Mutations(), "a blocked deployment changes nothing")
			}
		})
	}
}

func TestActionFailedDeployExit1(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.InjectFault(simaccount.PullError("web:broken"))
	r := e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "image": "web:broken", "timeout": "20m"})
	require.Equal(t, 1, r.code, r.stdout)
	e.SteadyOn("web", "web:1")
	assert.Contains(t, r.outputs, "rolled-back")
	var errLine string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "::error") {
			errLine = l
		}
	}
	assert.Contains(t, errLine, "deployment rolled-back: web rolled-back")
	assert.Contains(t, errLine, "CannotPullContainerError")
	assert.Contains(t, r.summary, "image pull error for container app (web:broken)")
	assert.Contains(t, r.summary, "Timeline")
}

func TestActionSeveralServicesOutputsMaps(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "gateway", "mcpo")
	r := e.runAction(t, map[string]string{"cluster": "prod", "service": "gateway\nmcpo", "images": "app=registry.example.com/app:v2", "order": "gateway > mcpo"})
	require.Equal(t, 0, r.code, r.stdout)
	assert.Contains(t, r.outputs, `{"gateway":"arn:aws:ecs:us-east-1:123456789012:task-definition/gateway:2","mcpo":"arn:aws:ecs:us-east-1:123456789012:task-definition/mcpo:2"}`)
	_ = time.Second
}

// The ledger on moto: a second run waits for the lock, then stops naming
// the holder without touching the service (status locked, exit 4); a run
// with the lock records the deployment.
func TestActionLedgerLockAndRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	l, lock := e.lockedLedger(t, "deploy-ledger", "run 99 by bob")
	table := l.Table

	before := e.Mutations()
	start := e.Sim.Now()
	r := e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "image": "web:v2",
		"ledger-table": table, "lock-timeout": "2m"})
	require.Equal(t, exitcode.Locked, r.code, "a refusal by the lock is not a failed deployment: %s", r.stdout)
	assert.Equal(t, 4, exitcode.Locked, "the documented exit code")
	outs, err := ghatest.ParseFileCommands(r.outputs)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"status": "locked"}, outs)
	assert.Contains(t, r.stdout, "::error::service web is locked by run 99 by bob")
	assert.Equal(t, before, e.Mutations(), "a locked service is not touched")
	assert.Equal(t, 2*time.Minute, e.Sim.Now().Sub(start), "waited lock-timeout on the fake clock")

	require.NoError(t, lock.Release(context.Background()))
	r = e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "image": "web:v2",
		"ledger-table": table, "environment": "prod"})
	require.Equal(t, 0, r.code, r.stdout)
	hist, err := l.History(context.Background(), "prod", "web", 0)
	require.NoError(t, err)
	require.Len(t, hist, 1)
	assert.Equal(t, "succeeded", hist[0].Outcome)
	require.Contains(t, hist[0].Images, "app")
	assert.Regexp(t, `^web:v2@sha256:[0-9a-f]{64}$`, hist[0].Images["app"], "the ledger has the digest ECS pulled")
	assert.Equal(t, "prod", hist[0].Environment)
	assert.True(t, strings.HasSuffix(hist[0].Previous, "/web:1"))
	// the lock was released
	again, err := l.Acquire(context.Background(), "prod", "web", "next", 0)
	require.NoError(t, err)
	require.NoError(t, again.Release(context.Background()))
}

var _ deploy.ECS = (*ecssim.Sim)(nil)

func TestActionBlueGreenWithHealthCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	r := e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "image": "web:v2",
		"strategy": "blue-green", "bake-time": "2m", "health-check-url": "https://test.example.com/health", "health-check-successes": "2"})
	require.Equal(t, 0, r.code, r.stdout)
	e.SteadyOn("web", "web:2")
	assert.Zero(t, e.Sim.Calls()["ContinueServiceDeployment"])
	assert.GreaterOrEqual(t, e.HTTP.Calls(), 2)
	assert.Contains(t, r.summary, "gates passed at")
}
