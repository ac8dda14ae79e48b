package deploy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/taskdef"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/simaccount"
)

var t0 = simaccount.T0

// env is the simulated account (internal/testenv/simaccount) with an
// engine on it.
type env struct {
	*simaccount.Account
	engine *Engine
	logs   []string
	mu     sync.Mutex
}

func newEnv(t testing.TB, cfg *types.DeploymentConfiguration, services ...string) *env {
	t.Helper()
	return newEnvWith(t, nil, cfg, services...)
}

func newEnvWith(t testing.TB, opts []ecssim.Option, cfg *types.DeploymentConfiguration, services ...string) *env {
	t.Helper()
	e := &env{Account: simaccount.NewWith(t, opts, cfg, services...)}
	e.engine = &Engine{
		ECS:        e.Sim,
		CloudWatch: e.Alarms,
		HTTP:       e.HTTP,
		Clock:      e.Clock(),
		Log: func(service, line string) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.logs = append(e.logs, service+": "+line)
		},
	}
	return e
}

// plan deploys image "<service>:<tag>" to each service, waves from order.
func (e *env) plan(tag, order string, services ...string) *Plan {
	waves, err := ParseOrder(services, order)
	require.NoError(e.T, err)
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
	e.T.Helper()
	prep, err := e.engine.Prepare(ctx, p)
	require.NoError(e.T, err)
	return e.engine.Deploy(ctx, prep)
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
	require.Equal(t, "web:2", taskdef.FamilyRevision(s.TaskDefinition))
	require.Equal(t, "web:1", taskdef.FamilyRevision(s.Previous))
	require.NotEmpty(t, s.DeploymentID)
	e.SteadyOn("web", "web:2")
	contains(t, e.summary(res), "succeeded", "registered web:2", "completed: web:2 is steady", "Timeline")
	require.Empty(t, e.Sim.DeregisteredInUse())
}

func TestIdenticalRevisionIsReused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	before := e.Sim.Calls()["RegisterTaskDefinition"]
	res := e.run(context.Background(), e.plan("v1", "", "web"))
	require.Equal(t, Succeeded, res.Status)
	require.Equal(t, before, e.Sim.Calls()["RegisterTaskDefinition"], "an identical revision must not be registered again")
	require.Zero(t, e.Sim.Calls()["UpdateService"])
	contains(t, e.summary(res), "nothing to deploy", "task definition unchanged: web:1")
}

func TestImagePullErrorRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:broken"})
	res := e.run(context.Background(), e.plan("broken", "", "web"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	s := res.Service("web")
	require.Equal(t, "ecsflow", s.RollbackBy)
	e.SteadyOn("web", "web:1")
	contains(t, e.summary(res), "rolled-back", "image pull error for container app (web:broken)", "CannotPullContainerError", "rolled back: web:1 is steady again")
	require.LessOrEqual(t, s.RollbackStarted.Sub(s.FirstFailedTask), 15*time.Second)
	require.Empty(t, e.Sim.DeregisteredInUse())
}

func TestEssentialContainerExitRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultExit, Image: "web:crash", ExitCode: 137, After: 20 * time.Second})
	res := e.run(context.Background(), e.plan("crash", "", "web"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.SteadyOn("web", "web:1")
	contains(t, e.summary(res), "container app exited with code 137", "task(s) of the new revision stopped")
}

func TestUnhealthyTargetsRollBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultUnhealthy, Image: "web:sick"})
	e.engine.ELB = simaccount.ELB{Sim: e.Sim}
	res := e.run(context.Background(), e.plan("sick", "", "web"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.SteadyOn("web", "web:1")
	contains(t, e.summary(res), "rolled-back", "Task failed ELB health checks", "container app failed its health check")
}

func TestTargetHealthExplainsUnhealthyTargets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultUnhealthy, Image: "web:sick"})
	e.engine.ELB = simaccount.ELB{Sim: e.Sim}
	arn := e.Register("web", "web:sick")
	_, err := e.Sim.UpdateService(context.Background(), &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("web"), TaskDefinition: aws.String(arn)})
	require.NoError(t, err)
	unhealthy := func() bool {
		for _, tg := range e.Sim.TargetHealth("web") {
			if tg.State == "unhealthy" {
				return true
			}
		}
		return false
	}
	for i := 0; i < 120 && !unhealthy(); i++ {
		e.Sim.Advance(time.Second)
	}
	require.True(t, unhealthy(), "fixture: a target goes unhealthy")
	svc := e.Service("web")
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
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultExit, Image: "web:crash", After: 5 * time.Second})
	p := e.plan("crash", "", "web")
	p.FailedTasksThreshold = 0 // leave the verdict to ECS
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	s := res.Service("web")
	require.Equal(t, "ECS", s.RollbackBy)
	e.SteadyOn("web", "web:1")
	contains(t, e.summary(res), "ECS rolled the deployment back", "circuit breaker", "recovered by ECS")
}

func TestAlarmMidCanaryRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Alarms.Alarm, e.Alarms.At = "web-5xx", t0.Add(3*time.Minute+2*time.Minute)
	p := e.plan("v2", "", "web")
	p.Strategy = Strategy{Kind: "canary", CanaryPercent: 20, CanaryBakeTime: 5 * time.Minute}
	p.Gates.Alarms = []string{"web-5xx"}
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.SteadyOn("web", "web:1")
	require.Greater(t, e.Sim.Calls()["StopServiceDeployment"]+e.Sim.Calls()["ContinueServiceDeployment"], 0, "a native deployment is rolled back natively")
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
	require.Zero(t, e.Sim.Calls()["ContinueServiceDeployment"], "ecsflow answers no hook")
	e.SteadyOn("web", "web:2")
	require.Empty(t, e.Service("web").DeploymentConfiguration.LifecycleHooks, "no hook is left in the service's configuration")
	contains(t, e.summary(res), "gates passed at", "blue_green", "test traffic to the new revision: 100%", "stage BAKE_TIME")
}
func TestBlueGreenGateFailsRollsBackNatively(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.HTTP.Status = func(time.Time) int { return 503 }
	p := e.plan("v2", "", "web")
	p.Strategy = Strategy{Kind: "blue-green", BakeTime: 5 * time.Minute}
	p.Gates.HealthCheckURL = "https://test.example.com/health"
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.SteadyOn("web", "web:1")
	require.Zero(t, e.Sim.Calls()["ContinueServiceDeployment"])
	contains(t, e.summary(res), "gate failed at", "status 503, want 200", "ECS native rollback")
}
func TestPostDeployHealthGateFailsRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.HTTP.Status = func(time.Time) int { return 500 }
	p := e.plan("v2", "", "web")
	p.Gates.HealthCheckURL = "https://web.example.com/health"
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.SteadyOn("web", "web:1")
	contains(t, e.summary(res), "gate failed after the deployment completed", "status 500", "service updated to web:1")
}

func TestThrottlingStormIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.Throttle("*", 7) // every first call of the run is refused
	e.engine.Log = func(service, line string) {
		if strings.Contains(line, "deployment started") {
			// a storm while waiting: polls fail for minutes
			e.Sim.Throttle("DescribeServices", 40)
			e.Sim.Throttle("DescribeServiceDeployments", 40)
		}
	}
	res := e.run(context.Background(), e.plan("v2", "", "web"))
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	e.SteadyOn("web", "web:2")
}

func TestTimeoutRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultSlowStart, Image: "web:slow", After: time.Hour})
	p := e.plan("slow", "", "web")
	p.Timeout = 5 * time.Minute
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.SteadyOn("web", "web:1")
	contains(t, e.summary(res), "timed out after 5m0s", "not stable yet")
}

func TestNoRollbackLeavesNewRevision(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:broken"})
	p := e.plan("broken", "", "web")
	p.RollbackOnFailure = false
	res := e.run(context.Background(), p)
	require.Equal(t, Failed, res.Status)
	require.True(t, strings.HasSuffix(aws.ToString(e.Service("web").TaskDefinition), "/web:2"))
	contains(t, e.summary(res), "failed", "rollback-on-failure is off: the service stays on web:2", "image pull error")
}

func TestWavesStopAfterFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "gateway", "mcpo", "webui")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "mcpo:v2"})
	res := e.run(context.Background(), e.plan("v2", "gateway,mcpo > webui", "gateway", "mcpo", "webui"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	e.SteadyOn("gateway", "gateway:1")
	e.SteadyOn("mcpo", "mcpo:1")
	e.SteadyOn("webui", "webui:1")
	require.Equal(t, []string{"webui"}, res.Skipped)
	contains(t, e.summary(res), "rolled back with its wave because mcpo failed", "not deployed: an earlier wave failed", "wave 1 started: gateway, mcpo")
}

func TestWavesSucceed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "gateway", "mcpo", "webui")
	res := e.run(context.Background(), e.plan("v2", "gateway,mcpo > webui", "gateway", "mcpo", "webui"))
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	for _, s := range []string{"gateway", "mcpo", "webui"} {
		e.SteadyOn(s, s+":2")
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
				e.SteadyOn("web", "web:1")
				contains(t, e.summary(res), "cancelled", "rollback to web:1 was started", "left on the previous revision")
			} else {
				e.SteadyOn("web", "web:2")
				contains(t, e.summary(res), "cancelled", "left on the new revision web:2")
			}
		})
	}
}

func TestRerunAfterRollbackReusesRevision(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:v2", Count: 2})
	res := e.run(context.Background(), e.plan("v2", "", "web"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	registered := e.Sim.Calls()["RegisterTaskDefinition"]
	// the registry hiccup is over; the same workflow runs again
	res = e.run(context.Background(), e.plan("v2", "", "web"))
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	require.Equal(t, registered, e.Sim.Calls()["RegisterTaskDefinition"], "web:2 is identical and reused")
	e.SteadyOn("web", "web:2")
	contains(t, e.summary(res), "reusing existing revision web:2")
}

func TestNativeDeploymentAlarmRollbackIsAFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &types.DeploymentConfiguration{
		Alarms: &types.DeploymentAlarms{AlarmNames: []string{"web-5xx"}, Enable: true, Rollback: true},
	}, "web")
	e.engine.Log = func(service, line string) {
		if strings.Contains(line, "production traffic to the new revision: 10%") {
			e.Sim.SetAlarmState("web-5xx", "ALARM") // the canary serves errors
		}
	}
	p := e.plan("v2", "", "web")
	p.Strategy = Strategy{Kind: "canary", CanaryPercent: 10, CanaryBakeTime: 5 * time.Minute}
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	require.Equal(t, "ECS", res.Services[0].RollbackBy)
	e.SteadyOn("web", "web:1")
	contains(t, e.summary(res), "ECS rolled the deployment back", "deployment alarm web-5xx triggered", "recovered by ECS")
}

func TestDesiredCountChangeWaitsForTasks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	p := e.plan("v1", "", "web") // same image: only the count changes
	p.Waves[0][0].DesiredCount = aws.Int32(5)
	res := e.run(context.Background(), p)
	require.Equal(t, Succeeded, res.Status, e.summary(res))
	s := e.Service("web")
	require.Equal(t, int32(5), s.DesiredCount)
	require.Equal(t, int32(5), s.RunningCount, "done only once the new tasks run")
}

func TestUpdateServiceFailureLeavesServiceUnchanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.engine.Log = func(service, line string) {
		if strings.Contains(line, "registered web:2") {
			e.Sim.Throttle("UpdateService", 100) // a storm that outlasts every retry
		}
	}
	res := e.run(context.Background(), e.plan("v2", "", "web"))
	require.Equal(t, Failed, res.Status, e.summary(res))
	e.SteadyOn("web", "web:1")
	contains(t, e.summary(res), "failed to update service web (it still runs web:1)", "Rate exceeded")
	require.Equal(t, "web:1", taskdef.FamilyRevision(res.Services[0].LeftOn))
}

func TestRollbackThatCannotStartIsReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:broken"})
	e.engine.Log = func(service, line string) {
		if strings.HasPrefix(line, "failure detected") {
			e.Sim.Throttle("StopServiceDeployment", 100)
			e.Sim.Throttle("UpdateService", 100)
		}
	}
	res := e.run(context.Background(), e.plan("broken", "", "web"))
	require.Equal(t, Failed, res.Status, e.summary(res))
	s := e.Service("web")
	require.True(t, strings.HasSuffix(aws.ToString(s.TaskDefinition), "/web:2"), "the service stays on the broken revision")
	contains(t, e.summary(res), "rollback to web:1 failed", "image pull error")
}

func TestGateFailureWithoutRollbackLeavesTheDeploymentToECS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.HTTP.Status = func(time.Time) int { return 500 }
	p := e.plan("v2", "", "web")
	p.Strategy = Strategy{Kind: "blue-green", BakeTime: 5 * time.Minute}
	p.Gates.HealthCheckURL = "https://test.example.com/health"
	p.RollbackOnFailure = false
	res := e.run(context.Background(), p)
	require.Equal(t, Failed, res.Status, e.summary(res))
	require.Zero(t, e.Sim.Calls()["StopServiceDeployment"]+e.Sim.Calls()["ContinueServiceDeployment"], "nothing is rolled back or answered")
	contains(t, e.summary(res), "rollback-on-failure is off", "status 500")
}
