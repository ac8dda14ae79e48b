package deploy

import (
	"context"
	"fmt"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/taskdef"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/simclock"
)

var t0 = time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)

// env is a simulated ECS account with a cluster "prod" and services whose
// single container "app" runs image "<service>:v1".
type env struct {
	t      testing.TB
	sim    *ecssim.Sim
	clock  *ecssim.FakeClock
	cw     *simAlarms
	http   *fakeHTTP
	engine *Engine
	ddb    ledger.DynamoDB
	logs   []string
	mu     sync.Mutex

	// wrap, when set, puts wrappers around the clients of action runs.
	wrap func(Clients) Clients
}

func newEnv(t testing.TB, cfg *types.DeploymentConfiguration, services ...string) *env {
	t.Helper()
	return newEnvWith(t, nil, cfg, services...)
}

func newEnvWith(t testing.TB, opts []ecssim.Option, cfg *types.DeploymentConfiguration, services ...string) *env {
	t.Helper()
	clock := ecssim.NewFakeClock(t0)
	sim := ecssim.New(clock, opts...)
	e := &env{t: t, sim: sim, clock: clock}
	e.cw = &simAlarms{sim: sim}
	e.http = &fakeHTTP{status: func(time.Time) int { return 200 }, now: sim.Now}
	ctx := context.Background()
	_, err := sim.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")})
	require.NoError(t, err)
	for _, s := range services {
		e.createService(s, cfg, albFor(s))
	}
	sim.Advance(3 * time.Minute)
	e.engine = &Engine{
		ECS:        sim,
		CloudWatch: e.cw,
		HTTP:       e.http,
		Clock:      simclock.Manual{NowFunc: sim.Now, Advance: sim.Advance},
		Log: func(service, line string) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.logs = append(e.logs, service+": "+line)
		},
	}
	return e
}

// albFor is a target group of service s behind an ALB whose
// advancedConfiguration lets ECS shift traffic (blue-green, canary, linear).
func albFor(s string) []types.LoadBalancer {
	tg := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/"
	return []types.LoadBalancer{{TargetGroupArn: aws.String(tg + s + "/0123456789abcdef"),
		ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080),
		AdvancedConfiguration: &types.AdvancedConfiguration{
			AlternateTargetGroupArn: aws.String(tg + s + "-green/0123456789abcdef"),
			ProductionListenerRule:  aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/0123456789abcdef/0123456789abcdef/" + s),
			RoleArn:                 aws.String("arn:aws:iam::123456789012:role/ecs-infrastructure"),
		}}}
}

// createService creates service s on revision s:1 (registered with image
// s:v1) with two tasks.
func (e *env) createService(s string, cfg *types.DeploymentConfiguration, lbs []types.LoadBalancer) {
	arn := e.register(s, s+":v1")
	e.setup(func() error {
		_, err := e.sim.CreateService(context.Background(), &ecs.CreateServiceInput{
			Cluster: aws.String("prod"), ServiceName: aws.String(s), TaskDefinition: aws.String(arn), DesiredCount: aws.Int32(2),
			DeploymentConfiguration: cfg, LoadBalancers: lbs,
		})
		return err
	})
}

// setup runs one set-up call, waiting out the simulator's throttling (a
// fixture under ecssim.HarshThrottling creates many services).
func (e *env) setup(call func() error) {
	e.t.Helper()
	err := call()
	for i := 0; i < 100 && err != nil && isThrottling(err); i++ {
		e.sim.Advance(time.Second)
		err = call()
	}
	require.NoError(e.t, err)
}

func (e *env) register(family, image string) string {
	var out *ecs.RegisterTaskDefinitionOutput
	e.setup(func() (err error) {
		out, err = e.sim.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
			Family: aws.String(family), Cpu: aws.String("256"), Memory: aws.String("512"), NetworkMode: types.NetworkModeAwsvpc,
			RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(image), Essential: aws.Bool(true),
				PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}}}},
		})
		return err
	})
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

func (e *env) service(name string) types.Service {
	out, err := e.sim.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{name}})
	require.NoError(e.t, err)
	require.Len(e.t, out.Services, 1)
	return out.Services[0]
}

// steadyOn asserts that a service runs only revision family:rev at full size.
func (e *env) steadyOn(name, rev string) {
	e.t.Helper()
	e.sim.Advance(2 * time.Minute)
	s := e.service(name)
	require.True(e.t, strings.HasSuffix(aws.ToString(s.TaskDefinition), "/"+rev), "service %s runs %s, want %s", name, aws.ToString(s.TaskDefinition), rev)
	require.Len(e.t, s.Deployments, 1, "service %s has several deployments", name)
	require.Equal(e.t, s.DesiredCount, s.RunningCount, "service %s is below its desired count", name)
}

// plan deploys image "<service>:<tag>" to each service, waves from order.
func (e *env) plan(tag, order string, services ...string) *Plan {
	waves, err := ParseOrder(services, order)
	require.NoError(e.t, err)
	p := &Plan{Cluster: "prod", Wait: true, Timeout: 30 * time.Minute, RollbackOnFailure: true, FailedTasksThreshold: 1}
	for _, w := range waves {
		var ts []Target
		for _, s := range w {
			ts = append(ts, Target{Service: s, Renders: []taskdef.Render{{Container: "app", Image: s + ":" + tag}}})
		}
		p.Waves = append(p.Waves, ts)
	}
	return p
}

func (e *env) run(ctx context.Context, p *Plan) *Result {
	e.t.Helper()
	prep, err := e.engine.Prepare(ctx, p)
	require.NoError(e.t, err)
	return e.engine.Deploy(ctx, prep)
}

// simAlarms answers DescribeAlarms from the simulator's alarm states (the
// same states the simulator's deployment alarms read).
type simAlarms struct {
	sim *ecssim.Sim
	// known, when set, lists the alarms that exist; others are not returned.
	known map[string]bool
	// at, when set, sets alarm name into ALARM once the clock reaches it.
	at    time.Time
	alarm string
}

func (c *simAlarms) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	c.tick()
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, n := range in.AlarmNames {
		if c.known != nil && !c.known[n] {
			continue
		}
		out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(n), StateValue: cwtypes.StateValue(c.sim.AlarmState(n))})
	}
	return out, nil
}

func (c *simAlarms) tick() {
	if c.alarm != "" && !c.sim.Now().Before(c.at) {
		c.sim.SetAlarmState(c.alarm, "ALARM")
	}
}

func (c *simAlarms) GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return &cloudwatch.GetMetricDataOutput{}, nil
}

// fakeHTTP answers health checks with a status that depends on the time.
type fakeHTTP struct {
	mu     sync.Mutex
	status func(time.Time) int
	now    func() time.Time
	calls  int
}

func (f *fakeHTTP) Do(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	code := f.status(f.now())
	return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

func (e *env) summary(r *Result) string { return r.Markdown("deploy-ecs") }

func contains(t testing.TB, s string, words ...string) {
	t.Helper()
	for _, w := range words {
		require.Contains(t, s, w)
	}
}

func TestRollingDeploySucceeds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}, "web")
	res := e.run(context.Background(), e.plan("v2", "", "web"))
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	s := res.Service("web")
	require.Equal(t, "web:2", shortTD(s.TaskDefinition))
	require.Equal(t, "web:1", shortTD(s.Previous))
	require.NotEmpty(t, s.DeploymentID)
	e.steadyOn("web", "web:2")
	contains(t, e.summary(res), "succeeded", "registered web:2", "completed: web:2 is steady", "Timeline")
	require.Empty(t, e.sim.DeregisteredInUse())
}

func TestIdenticalRevisionIsReused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	before := e.sim.Calls()["RegisterTaskDefinition"]
	res := e.run(context.Background(), e.plan("v1", "", "web"))
	require.Equal(t, Succeeded, res.Status)
	require.Equal(t, before, e.sim.Calls()["RegisterTaskDefinition"], "an identical revision must not be registered again")
	require.Zero(t, e.sim.Calls()["UpdateService"])
	contains(t, e.summary(res), "nothing to deploy", "task definition unchanged: web:1")
}

func TestImagePullErrorRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:broken"})
	res := e.run(context.Background(), e.plan("broken", "", "web"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	s := res.Service("web")
	require.Equal(t, "ecsflow", s.RollbackBy)
	e.steadyOn("web", "web:1")
	contains(t, e.summary(res), "rolled-back", "image pull error for container app (web:broken)", "CannotPullContainerError", "rolled back: web:1 is steady again")
	require.LessOrEqual(t, s.RollbackStarted.Sub(s.FirstFailedTask), 15*time.Second)
	require.Empty(t, e.sim.DeregisteredInUse())
}

func TestEssentialContainerExitRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultExit, Image: "web:crash", ExitCode: 137, After: 20 * time.Second})
	res := e.run(context.Background(), e.plan("crash", "", "web"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.steadyOn("web", "web:1")
	contains(t, e.summary(res), "container app exited with code 137", "task(s) of the new revision stopped")
}

func TestUnhealthyTargetsRollBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultUnhealthy, Image: "web:sick"})
	e.engine.ELB = elbFromSim{e.sim}
	res := e.run(context.Background(), e.plan("sick", "", "web"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.steadyOn("web", "web:1")
	contains(t, e.summary(res), "rolled-back", "Task failed ELB health checks", "container app failed its health check")
}

func TestTargetHealthExplainsUnhealthyTargets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultUnhealthy, Image: "web:sick"})
	e.engine.ELB = elbFromSim{e.sim}
	arn := e.register("web", "web:sick")
	_, err := e.sim.UpdateService(context.Background(), &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("web"), TaskDefinition: aws.String(arn)})
	require.NoError(t, err)
	unhealthy := func() bool {
		for _, tg := range e.sim.TargetHealth("web") {
			if tg.State == "unhealthy" {
				return true
			}
		}
		return false
	}
	for i := 0; i < 120 && !unhealthy(); i++ {
		e.sim.Advance(time.Second)
	}
	require.True(t, unhealthy(), "fixture: a target goes unhealthy")
	svc := e.service("web")
	lines := e.engine.targetHealth(context.Background(), &tracker{svc: &svc})
	require.NotEmpty(t, lines)
	contains(t, strings.Join(lines, "\n"), "in web is unhealthy")
	for _, l := range lines {
		require.NotContains(t, l, "draining")
	}
}

func TestCircuitBreakerRollbackIsAFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}, "web")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultExit, Image: "web:crash", After: 5 * time.Second})
	p := e.plan("crash", "", "web")
	p.FailedTasksThreshold = 0 // leave the verdict to ECS
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	s := res.Service("web")
	require.Equal(t, "ECS", s.RollbackBy)
	e.steadyOn("web", "web:1")
	contains(t, e.summary(res), "ECS rolled the deployment back", "circuit breaker", "recovered by ECS")
}

func TestAlarmMidCanaryRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.cw.alarm, e.cw.at = "web-5xx", t0.Add(3*time.Minute+2*time.Minute)
	p := e.plan("v2", "", "web")
	p.Strategy = Strategy{Kind: "canary", CanaryPercent: 20, CanaryBakeTime: 5 * time.Minute}
	p.Gates.Alarms = []string{"web-5xx"}
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.steadyOn("web", "web:1")
	require.Greater(t, e.sim.Calls()["StopServiceDeployment"]+e.sim.Calls()["ContinueServiceDeployment"], 0, "a native deployment is rolled back natively")
	contains(t, e.summary(res), "web-5xx", "ALARM", "canary")
}

func TestBlueGreenGatesPassWithoutAHook(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	p := e.plan("v2", "", "web")
	p.Strategy = Strategy{Kind: "blue-green", BakeTime: time.Minute}
	p.Gates.HealthCheckURL = "https://test.example.com/health"
	res := e.run(context.Background(), p)
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	require.Zero(t, e.sim.Calls()["ContinueServiceDeployment"], "ecsflow answers no hook")
	e.steadyOn("web", "web:2")
	require.Empty(t, e.service("web").DeploymentConfiguration.LifecycleHooks, "no hook is left in the service's configuration")
	contains(t, e.summary(res), "gates passed at", "blue_green", "test traffic to the new revision: 100%", "stage BAKE_TIME")
}
func TestBlueGreenGateFailsRollsBackNatively(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.http.status = func(time.Time) int { return 503 }
	p := e.plan("v2", "", "web")
	p.Strategy = Strategy{Kind: "blue-green", BakeTime: 5 * time.Minute}
	p.Gates.HealthCheckURL = "https://test.example.com/health"
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.steadyOn("web", "web:1")
	require.Zero(t, e.sim.Calls()["ContinueServiceDeployment"])
	contains(t, e.summary(res), "gate failed at", "status 503, want 200", "ECS native rollback")
}
func TestPostDeployHealthGateFailsRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.http.status = func(time.Time) int { return 500 }
	p := e.plan("v2", "", "web")
	p.Gates.HealthCheckURL = "https://web.example.com/health"
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.steadyOn("web", "web:1")
	contains(t, e.summary(res), "gate failed after the deployment completed", "status 500", "service updated to web:1")
}

func TestThrottlingStormIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.sim.Throttle("*", 7) // every first call of the run is refused
	e.engine.Log = func(service, line string) {
		if strings.Contains(line, "deployment started") {
			// a storm while waiting: polls fail for minutes
			e.sim.Throttle("DescribeServices", 40)
			e.sim.Throttle("DescribeServiceDeployments", 40)
		}
	}
	res := e.run(context.Background(), e.plan("v2", "", "web"))
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	e.steadyOn("web", "web:2")
}

func TestTimeoutRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultSlowStart, Image: "web:slow", After: time.Hour})
	p := e.plan("slow", "", "web")
	p.Timeout = 5 * time.Minute
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.steadyOn("web", "web:1")
	contains(t, e.summary(res), "timed out after 5m0s", "not stable yet")
}

func TestNoRollbackLeavesNewRevision(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:broken"})
	p := e.plan("broken", "", "web")
	p.RollbackOnFailure = false
	res := e.run(context.Background(), p)
	require.Equal(t, Failed, res.Status)
	require.True(t, strings.HasSuffix(aws.ToString(e.service("web").TaskDefinition), "/web:2"))
	contains(t, e.summary(res), "failed", "rollback-on-failure is off: the service stays on web:2", "image pull error")
}

func TestWavesStopAfterFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "gateway", "mcpo", "webui")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "mcpo:v2"})
	res := e.run(context.Background(), e.plan("v2", "gateway,mcpo > webui", "gateway", "mcpo", "webui"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.steadyOn("gateway", "gateway:1")
	e.steadyOn("mcpo", "mcpo:1")
	e.steadyOn("webui", "webui:1")
	require.Equal(t, []string{"webui"}, res.Skipped)
	contains(t, e.summary(res), "rolled back with its wave because mcpo failed", "not deployed: an earlier wave failed", "wave 1 started: gateway, mcpo")
}

func TestWavesSucceed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "gateway", "mcpo", "webui")
	res := e.run(context.Background(), e.plan("v2", "gateway,mcpo > webui", "gateway", "mcpo", "webui"))
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	for _, s := range []string{"gateway", "mcpo", "webui"} {
		e.steadyOn(s, s+":2")
	}
	// webui starts only after wave 1 is done
	require.True(t, res.Service("webui").Started.After(res.Service("mcpo").Finished) || res.Service("webui").Started.Equal(res.Service("mcpo").Finished))
}

func TestCancelledMidDeploy(t *testing.T) {
	t.Parallel()
	for _, rollback := range []bool{true, false} {
		t.Run(fmt.Sprintf("rollback=%v", rollback), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, "web")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e.engine.Log = func(service, line string) {
				if strings.Contains(line, "deployment started") {
					cancel()
				}
			}
			p := e.plan("v2", "", "web")
			p.RollbackOnFailure = rollback
			res := e.run(ctx, p)
			require.True(t, res.Cancelled)
			require.Equal(t, Failed, res.Status)
			if rollback {
				e.steadyOn("web", "web:1")
				contains(t, e.summary(res), "cancelled", "rollback to web:1 was started", "left on the previous revision")
			} else {
				e.steadyOn("web", "web:2")
				contains(t, e.summary(res), "cancelled", "left on the new revision web:2")
			}
		})
	}
}

// elbFromSim answers DescribeTargetHealth from the simulator.
type elbFromSim struct{ sim *ecssim.Sim }

func ecssimPull(image string) ecssim.Fault {
	return ecssim.Fault{Kind: ecssim.FaultImagePull, Image: image}
}

func TestRerunAfterRollbackReusesRevision(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:v2", Count: 2})
	res := e.run(context.Background(), e.plan("v2", "", "web"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	registered := e.sim.Calls()["RegisterTaskDefinition"]
	// the registry hiccup is over; the same workflow runs again
	res = e.run(context.Background(), e.plan("v2", "", "web"))
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	require.Equal(t, registered, e.sim.Calls()["RegisterTaskDefinition"], "web:2 is identical and reused")
	e.steadyOn("web", "web:2")
	contains(t, e.summary(res), "reusing existing revision web:2")
}

func TestNativeDeploymentAlarmRollbackIsAFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &types.DeploymentConfiguration{
		Alarms: &types.DeploymentAlarms{AlarmNames: []string{"web-5xx"}, Enable: true, Rollback: true},
	}, "web")
	e.engine.Log = func(service, line string) {
		if strings.Contains(line, "production traffic to the new revision: 10%") {
			e.sim.SetAlarmState("web-5xx", "ALARM") // the canary serves errors
		}
	}
	p := e.plan("v2", "", "web")
	p.Strategy = Strategy{Kind: "canary", CanaryPercent: 10, CanaryBakeTime: 5 * time.Minute}
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	require.Equal(t, "ECS", res.Services[0].RollbackBy)
	e.steadyOn("web", "web:1")
	contains(t, e.summary(res), "ECS rolled the deployment back", "deployment alarm web-5xx triggered", "recovered by ECS")
}

func TestDesiredCountChangeWaitsForTasks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	p := e.plan("v1", "", "web") // same image: only the count changes
	p.Waves[0][0].DesiredCount = aws.Int32(5)
	res := e.run(context.Background(), p)
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	s := e.service("web")
	require.Equal(t, int32(5), s.DesiredCount)
	require.Equal(t, int32(5), s.RunningCount, "done only once the new tasks run")
}

func TestUpdateServiceFailureLeavesServiceUnchanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.engine.Log = func(service, line string) {
		if strings.Contains(line, "registered web:2") {
			e.sim.Throttle("UpdateService", 100) // a storm that outlasts every retry
		}
	}
	res := e.run(context.Background(), e.plan("v2", "", "web"))
	require.Equal(t, Failed, res.Status, e.summary(res))
	e.steadyOn("web", "web:1")
	contains(t, e.summary(res), "failed to update service web (it still runs web:1)", "Rate exceeded")
	require.Equal(t, "web:1", shortTD(res.Services[0].LeftOn))
}

func TestRollbackThatCannotStartIsReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:broken"})
	e.engine.Log = func(service, line string) {
		if strings.HasPrefix(line, "failure detected") {
			e.sim.Throttle("StopServiceDeployment", 100)
			e.sim.Throttle("UpdateService", 100)
		}
	}
	res := e.run(context.Background(), e.plan("broken", "", "web"))
	require.Equal(t, Failed, res.Status, e.summary(res))
	s := e.service("web")
	require.True(t, strings.HasSuffix(aws.ToString(s.TaskDefinition), "/web:2"), "the service stays on the broken revision")
	contains(t, e.summary(res), "rollback to web:1 failed", "image pull error")
}

func TestGateFailureWithoutRollbackLeavesTheDeploymentToECS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.http.status = func(time.Time) int { return 500 }
	p := e.plan("v2", "", "web")
	p.Strategy = Strategy{Kind: "blue-green", BakeTime: 5 * time.Minute}
	p.Gates.HealthCheckURL = "https://test.example.com/health"
	p.RollbackOnFailure = false
	res := e.run(context.Background(), p)
	require.Equal(t, Failed, res.Status, e.summary(res))
	require.Zero(t, e.sim.Calls()["StopServiceDeployment"]+e.sim.Calls()["ContinueServiceDeployment"], "nothing is rolled back or answered")
	contains(t, e.summary(res), "rollback-on-failure is off", "status 500")
}
