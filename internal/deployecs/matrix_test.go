package deployecs

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/taskdef"
	"github.com/ecsflow/ecsflow/internal/testenv/forecastsim"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/simaccount"
)

// The fault-injection matrix: every AWS call deploy-ecs makes (the methods
// of the interfaces in Clients) × {throttle, 5xx, timeout} × {first call,
// every call}, each in a scenario that makes the call. Every cell checks
// the invariant: the service ends on the new or the previous revision, the
// status output and the ledger record say which, and the lock is free.

// matrixRow names the scenarios in which deploy-ecs makes an operation;
// none means it never does (checked, so a new call gets a row).
type matrixRow struct {
	op        string
	scenarios []string
}

var matrixRows = []matrixRow{
	{"ecs:DescribeServices", []string{"deploys", "fails"}},
	{"ecs:DescribeTaskDefinition", []string{"deploys"}},
	{"ecs:RegisterTaskDefinition", []string{"deploys"}},
	{"ecs:UpdateService", []string{"deploys"}},
	{"ecs:DescribeServiceDeployments", []string{"deploys", "fails"}},
	{"ecs:ListServiceDeployments", []string{"answer-without-deployment"}},
	{"ecs:ListTasks", []string{"deploys", "fails"}},
	{"ecs:DescribeTasks", []string{"deploys", "fails"}},
	{"ecs:StopServiceDeployment", []string{"fails"}},
	{"ecs:ContinueServiceDeployment", nil}, // hooks of others are never answered
	{"cloudwatch:DescribeAlarms", []string{"deploys"}},
	{"cloudwatch:GetMetricData", []string{"deploys"}},
	{"elbv2:DescribeTargetHealth", []string{"fails"}},
	{"elbv2:DescribeTargetGroups", nil}, // only for anomaly gates, which no scenario sets
	{"dynamodb:PutItem", []string{"deploys"}},
	{"dynamodb:GetItem", []string{"locked"}},
	{"dynamodb:DeleteItem", []string{"deploys"}},
	{"dynamodb:Query", nil}, // history is read by rollback, not deploy-ecs
	// a forecast not read is a notice: no fault changes the outcome
	{"autoscaling:GetPredictiveScalingForecast", []string{"deploys"}},
}

// clientPrefixes maps each field of Clients to the prefix of its
// operations in Engine.Calls and the matrix.
var clientPrefixes = map[string]string{"ECS": "ecs", "CloudWatch": "cloudwatch", "ELB": "elbv2", "DynamoDB": "dynamodb", "Forecast": "autoscaling"}

// clientOps lists every operation of every client deploy-ecs takes, from
// the interfaces themselves.
func clientOps(t *testing.T) []string {
	var ops []string
	ct := reflect.TypeFor[Clients]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		prefix, ok := clientPrefixes[f.Name]
		require.True(t, ok, "Clients.%s is a client the fault matrix does not know: add its prefix to clientPrefixes, a wrapper to faults_test.go and its rows", f.Name)
		require.Equal(t, reflect.Interface, f.Type.Kind(), "Clients.%s", f.Name)
		for j := range f.Type.NumMethod() {
			ops = append(ops, prefix+":"+f.Type.Method(j).Name)
		}
	}
	sort.Strings(ops)
	return ops
}

func TestFaultMatrixCoversEveryCall(t *testing.T) {
	t.Parallel()
	var rows []string
	for _, r := range matrixRows {
		rows = append(rows, r.op)
		for _, s := range r.scenarios {
			require.Contains(t, faultScenarios, s, "row %s", r.op)
		}
	}
	sort.Strings(rows)
	require.Equal(t, clientOps(t), rows, "every operation of the clients deploy-ecs takes has exactly one row in matrixRows")
}

// faultScenario is a deploy-ecs run the matrix injects faults into.
type faultScenario struct {
	inputs map[string]string
	// prepare sets up the simulator and the ledger before the run.
	prepare func(t *testing.T, e *env, l *ledger.Ledger)
	// ecs wraps the simulator (an answer shape ECS may give).
	ecs func(deploy.ECS) deploy.ECS
	// holder holds the lock during the run (another run).
	holder string
	// status is the run's status without faults, and with one fault on
	// the first call of any operation (a transient fault is absorbed).
	status string
}

const otherRun = "run 99 by bob"

var faultScenarios = map[string]faultScenario{
	// A deployment with alarm and metric gates that succeeds.
	"deploys": {inputs: gatedInputs("web:v2"), status: "succeeded"},
	// A deployment whose image cannot be pulled: rolled back.
	"fails": {inputs: gatedInputs("web:broken"), status: "rolled-back", prepare: func(t *testing.T, e *env, _ *ledger.Ledger) {
		e.Sim.InjectFault(simaccount.PullError("web:broken"))
	}},
	// UpdateService answers without currentServiceDeployment (the field is
	// optional in the API): the deployment is looked up in the list.
	"answer-without-deployment": {inputs: gatedInputs("web:v2"), status: "succeeded", ecs: func(c deploy.ECS) deploy.ECS { return noCurrentDeployment{c} }},
	// Another run holds the lock: nothing is changed.
	"locked": {inputs: withInput(gatedInputs("web:v2"), "lock-timeout", "1m"), holder: otherRun, status: "locked"},
}

func gatedInputs(image string) map[string]string {
	return map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "image": image, "timeout": "20m",
		"alarms": "web-5xx", "metric-gates": `[{"name":"errors","namespace":"AWS/ApplicationELB","metric":"HTTPCode_Target_5XX_Count","stat":"Sum","max":5}]`}
}

func withInput(in map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for k, v := range in {
		if _, set := out[k]; !set {
			out[k] = v
		}
	}
	return out
}

// noCurrentDeployment drops currentServiceDeployment from UpdateService
// answers.
type noCurrentDeployment struct{ deploy.ECS }

func (n noCurrentDeployment) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, o ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	out, err := n.ECS.UpdateService(ctx, in, o...)
	if err == nil && out.Service != nil {
		s := *out.Service
		s.CurrentServiceDeployment = nil
		out.Service = &s
	}
	return out, err
}

// Without faults every scenario makes the calls its rows name, never the
// calls no row names, and keeps the invariant.
func TestFaultMatrixScenariosMakeTheirCalls(t *testing.T) {
	t.Parallel()
	for name := range faultScenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in, status := runFaultCell(t, name, newInjector("", "", false, nil))
			require.Equal(t, faultScenarios[name].status, status)
			for _, r := range matrixRows {
				calls := in.count(r.op)
				if containsString(r.scenarios, name) {
					require.Positive(t, calls, "scenario %s makes no %s call; its row names it", name, r.op)
				} else if len(r.scenarios) == 0 {
					require.Zero(t, calls, "deploy-ecs calls %s, which its row says it never does", r.op)
				}
			}
		})
	}
}

func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, r := range matrixRows {
		for _, sc := range r.scenarios {
			for _, kind := range faults {
				for _, every := range []bool{false, true} {
					when := "first call"
					if every {
						when = "every call"
					}
					t.Run(fmt.Sprintf("%s/%s/%s/%s", r.op, sc, kind, when), func(t *testing.T) {
						t.Parallel()
						in, status := runFaultCell(t, sc, newInjector(r.op, kind, every, nil))
						require.Positive(t, in.firedCount(), "the fault was never injected: %s made no %s call", sc, r.op)
						if !every {
							require.Equal(t, faultScenarios[sc].status, status, "one fault on the first call must not change the outcome")
						}
					})
				}
			}
		}
	}
}

var tableSeq atomic.Int64

// runFaultCell runs deploy-ecs in a scenario with the injector in front of
// every client and checks the invariant.
func runFaultCell(t *testing.T, name string, in *injector) (*injector, string) {
	sc := faultScenarios[name]
	e := newEnv(t, nil, "web")
	e.Alarms.Known = map[string]bool{"web-5xx": true}
	in.advance = e.Sim.Advance
	prev := aws.ToString(e.Service("web").TaskDefinition)

	cfg := sandboxtest.Config(t, "us-west-2")
	clean := dynamodb.NewFromConfig(cfg)
	table := fmt.Sprintf("fault-matrix-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
	_, err := clean.CreateTable(context.Background(), ledger.CreateTableInput(table))
	require.NoError(t, err)
	check := &ledger.Ledger{DB: clean, Table: table, Now: e.Sim.Now}
	if sc.holder != "" {
		_, err := check.Acquire(context.Background(), "prod", "web", sc.holder, 0)
		require.NoError(t, err)
	}
	if sc.prepare != nil {
		sc.prepare(t, e, check)
	}
	client := deploy.ECS(e.Sim)
	if sc.ecs != nil {
		client = sc.ecs(client)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.HTTPClient = &http.Client{Transport: faultyTransport{base: http.DefaultTransport, in: in}}
		// The SDK's own retries run, with their backoff on the fake clock.
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = fakeBackoff{in.advance}
			so.RateLimiter = ratelimit.None
		})
	})
	// A steady forecast: the guard reads it and lets the deployment start.
	forecasts := forecastsim.New()
	forecasts.Set("us-east-1", "service/prod/web", "prod-web-predictive", forecastsim.Hourly(e.Sim.Now().Add(-time.Hour), 2, 2, 2, 3))
	fc, stop := forecasts.Client("us-east-1")
	t.Cleanup(stop)
	e.wrap = func(c Clients) Clients {
		c.CloudWatch, c.ELB, c.Forecast = faultyCloudWatch{c.CloudWatch, in}, faultyELB{c.ELB, in}, faultyForecast{fc, in}
		return c
	}
	run := e.runActionWith(context.Background(), t, withInput(sc.inputs, "ledger-table", table), faultyECS{client, in}, db)
	checkInvariant(t, e, check, sc, prev, run)
	return in, outputValue(run.outputs, "status")
}

// fakeBackoff spends the SDK's retry delays on the fake clock.
type fakeBackoff struct{ advance func(time.Duration) }

func (b fakeBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	b.advance(time.Duration(1<<min(attempt, 5)) * 100 * time.Millisecond)
	return 0, nil
}

// checkInvariant reads the service once ECS's reads have caught up and the
// deployment has ended, and holds the run's outputs, summary and ledger
// record against it.
func checkInvariant(t *testing.T, e *env, l *ledger.Ledger, sc faultScenario, prev string, run actionRun) {
	t.Helper()
	log := fmt.Sprintf("exit %d\nstdout:\n%s\noutputs:\n%s", run.code, run.stdout, run.outputs)
	e.Sim.Advance(15 * time.Minute)
	svc := e.Service("web")
	live := aws.ToString(svc.TaskDefinition)
	require.Len(t, svc.Deployments, 1, "the service is still deploying 15 minutes after the run\n%s", log)
	require.Equal(t, live, aws.ToString(svc.Deployments[0].TaskDefinition), log)

	status, deployed := outputValue(run.outputs, "status"), outputValue(run.outputs, "task-definition-arn")
	t.Logf("outcome: status %q, exit %d, service on %s", status, run.code, taskdef.FamilyRevision(live))
	switch status {
	case "succeeded":
		require.Equal(t, 0, run.code, log)
		require.Equal(t, deployed, live, "status succeeded but the service runs %s\n%s", live, log)
	case "rolled-back":
		require.Equal(t, 1, run.code, log)
		require.Equal(t, prev, live, "status rolled-back but the service runs %s\n%s", live, log)
	case "failed":
		require.Equal(t, 1, run.code, log)
		require.Contains(t, []string{prev, deployed}, live, log)
		want := leftOn(run.summary, "web")
		if want == "" { // stopped before deploying (no summary row)
			want = taskdef.FamilyRevision(prev)
		}
		require.Equal(t, want, taskdef.FamilyRevision(live), "status failed: the service must run the revision the summary's Left on column names (the previous one when no deployment started)\n%s\n%s", log, run.summary)
	case "", "locked":
		require.NotEqual(t, 0, run.code, "a run without a deployment status must fail\n%s", log)
		require.Equal(t, prev, live, "a run without a deployment status must leave the service as it was\n%s", log)
	default:
		t.Fatalf("unexpected status %q\n%s", status, log)
	}

	hist, err := l.History(context.Background(), "prod", "web", 0)
	require.NoError(t, err)
	switch {
	case deployed == "":
		require.Empty(t, hist, "a run that deployed nothing writes no record\n%s", log)
	case len(hist) == 0:
		require.Contains(t, run.stdout, "failed to write the deployment record", "a missing record must be reported\n%s", log)
	default:
		require.Len(t, hist, 1, log)
		rec := hist[0]
		require.Equal(t, status, rec.Outcome, log)
		require.Equal(t, deployed, rec.TaskDefinition, log)
		require.Equal(t, prev, rec.Previous, log)
	}

	holder := "checker"
	lk, err := l.Acquire(context.Background(), "prod", "web", holder, 0)
	if sc.holder != "" {
		var le *ledger.LockedError
		require.ErrorAs(t, err, &le, "the other run's lock must still be held\n%s", log)
		require.Equal(t, sc.holder, le.Holder, log)
		return
	}
	if err != nil {
		// DynamoDB refused every DeleteItem: the run must say so, naming
		// the lock, its holder and when it expires.
		require.Contains(t, run.stdout, "::warning::failed to release the lock of web", "the lock must be released, or the run must warn that it is not\n%s", log)
		require.Contains(t, run.stdout, "expires at", log)
		return
	}
	require.NoError(t, lk.Release(context.Background()))
}

// outputValue reads one output from a GITHUB_OUTPUT file (name<<delimiter
// blocks, as go-githubactions writes them).
func outputValue(file, name string) string {
	lines := strings.Split(file, "\n")
	for i, l := range lines {
		n, delim, ok := strings.Cut(l, "<<")
		if !ok || n != name {
			continue
		}
		var v []string
		for _, x := range lines[i+1:] {
			if x == delim {
				break
			}
			v = append(v, x)
		}
		return strings.Join(v, "\n")
	}
	return ""
}

// leftOn reads the Left on column of a service's row in the summary.
func leftOn(summary, service string) string {
	for _, l := range strings.Split(summary, "\n") {
		cells := strings.Split(l, "|")
		if len(cells) > 7 && strings.TrimSpace(cells[1]) == service {
			return strings.TrimSpace(cells[6])
		}
	}
	return ""
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
