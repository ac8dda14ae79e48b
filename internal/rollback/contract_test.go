package rollback

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/simclock"
)

func tdARN(rev string) string { return "arn:aws:ecs:us-east-1:123456789012:task-definition/" + rev }

// lagModes are the simulator's read-after-write lags the scenarios run
// under: none, and the default 1-3 s window with several seeds.
var lagModes = []struct {
	name string
	opts []ecssim.Option
}{
	{"no lag", []ecssim.Option{ecssim.WithReadLag(0, 0)}},
	{"lag seed 1", []ecssim.Option{ecssim.WithSeed(1)}},
	{"lag seed 7", []ecssim.Option{ecssim.WithSeed(7)}},
	{"lag seed 42", []ecssim.Option{ecssim.WithSeed(42)}},
}

// withLedger gives e a fresh ledger table on the sandbox's moto.
func (e *env) withLedger() *ledger.Ledger {
	e.t.Helper()
	db := dynamodb.NewFromConfig(sandboxtest.Config(e.t, "eu-west-2"))
	table := fmt.Sprintf("rb-%d", time.Now().UnixNano())
	_, err := db.CreateTable(context.Background(), ledger.CreateTableInput(table))
	require.NoError(e.t, err)
	e.ddb = db
	return &ledger.Ledger{DB: db, Table: table}
}

// ecsRolledBack: web:1, then web:2 completes, then web:3 cannot pull its
// image and ECS's circuit breaker rolls it back to web:2, then web:4
// completes. web:3 is the highest revision below web:4 but never ran.
func ecsRolledBack(t *testing.T, opts []ecssim.Option) *env {
	e := newEnvLB(t, &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}, nil, opts...)
	e.update("web:v2", 3*time.Minute)
	e.steadyOn("web:2")
	e.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:v3"})
	e.update("web:v3", 15*time.Minute)
	e.steadyOn("web:2")
	e.update("web:v4", 3*time.Minute)
	e.steadyOn("web:4")
	return e
}

// `to: previous` after ECS rolled a revision back returns to what ran
// before the current revision, never to the revision ECS rolled back.
func TestPreviousSkipsARevisionECSRolledBack(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		ledger func(e *env, l *ledger.Ledger)
	}{
		{"without a ledger", nil},
		{"with a ledger that has no record of the current revision", func(e *env, l *ledger.Ledger) {
			// web:3 was started without waiting; ECS rolled it back later.
			// web:4 went out from the console.
			for i, r := range []ledger.Record{
				{TaskDefinition: tdARN("web:2"), Previous: tdARN("web:1"), Outcome: "succeeded"},
				{TaskDefinition: tdARN("web:3"), Previous: tdARN("web:2"), Outcome: "started"},
			} {
				r.Cluster, r.Service, r.Start = "prod", "web", t0.Add(time.Duration(i+1)*time.Minute)
				require.NoError(t, l.Put(context.Background(), r))
			}
		}},
	}
	for _, tc := range cases {
		for _, lag := range lagModes {
			t.Run(tc.name+"/"+lag.name, func(t *testing.T) {
				t.Parallel()
				e := ecsRolledBack(t, lag.opts)
				in := map[string]string{"cluster": "prod", "service": "web"}
				if tc.ledger != nil {
					l := e.withLedger()
					tc.ledger(e, l)
					in["ledger-table"] = l.Table
				}
				r := e.run(in)
				require.Equal(t, 0, r.code, r.stdout)
				assert.Equal(t, tdARN("web:2"), output(r.outputs, "task-definition-arn"))
				e.steadyOn("web:2")
			})
		}
	}
}

// After a deliberate rollback from web:2 to web:1, neither previous nor
// last-known-good may send the service back to web:2.
func TestNoReturnToADeliberatelyRolledBackRevision(t *testing.T) {
	t.Parallel()
	for _, to := range []string{"previous", "last-known-good"} {
		for _, lag := range lagModes {
			t.Run(to+"/"+lag.name, func(t *testing.T) {
				t.Parallel()
				e := newEnvLB(t, nil, nil, lag.opts...)
				l := e.withLedger()
				e.update("web:v2", 3*time.Minute)
				e.steadyOn("web:2")
				// what deploy-ecs recorded for both releases
				for i, r := range []ledger.Record{
					{TaskDefinition: tdARN("web:1"), Outcome: "succeeded"},
					{TaskDefinition: tdARN("web:2"), Previous: tdARN("web:1"), Outcome: "succeeded"},
				} {
					r.Cluster, r.Service, r.Start = "prod", "web", t0.Add(time.Duration(i)*time.Minute)
					require.NoError(t, l.Put(context.Background(), r))
				}
				r := e.run(map[string]string{"cluster": "prod", "service": "web", "ledger-table": l.Table, "reason": "bad release"})
				require.Equal(t, 0, r.code, r.stdout)
				e.steadyOn("web:1")
				before := e.mutations()
				r = e.run(map[string]string{"cluster": "prod", "service": "web", "ledger-table": l.Table, "to": to})
				require.Equal(t, 2, r.code, r.stdout)
				assert.Contains(t, r.stdout, `::error::input "to"`)
				assert.Equal(t, before, e.mutations(), "nothing changed")
				e.steadyOn("web:1")
			})
		}
	}
}

// A deployment still in progress is rolled back with StopServiceDeployment
// (ROLLBACK), which returns to the last completed revision at once instead
// of starting a new deployment that would bake again.
func TestRollbackOfAnInProgressDeploymentStopsIt(t *testing.T) {
	t.Parallel()
	for _, lag := range lagModes {
		t.Run(lag.name, func(t *testing.T) {
			t.Parallel()
			rollbackInProgress(t, lag.opts)
		})
	}
}

func rollbackInProgress(t *testing.T, opts []ecssim.Option) {
	e := newEnvLB(t, &types.DeploymentConfiguration{BakeTimeInMinutes: aws.Int32(60)}, nil, opts...)
	e.update("web:v2", 5*time.Minute)
	require.Equal(t, tdARN("web:2"), aws.ToString(e.service().TaskDefinition), "fixture: web:2 is the primary deployment")
	updates := e.sim.Calls()["UpdateService"]
	start := e.sim.Now()
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "reason": "bad canary"})
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, 1, e.sim.Calls()["StopServiceDeployment"])
	assert.Equal(t, updates, e.sim.Calls()["UpdateService"], "no new deployment")
	assert.Equal(t, "true", output(r.outputs, "rolled-back"))
	assert.Equal(t, tdARN("web:1"), output(r.outputs, "task-definition-arn"))
	assert.Less(t, e.sim.Now().Sub(start), 30*time.Minute, "no bake time")
	assert.Contains(t, r.summary, "StopServiceDeployment")
	e.steadyOn("web:1")
}

// Check mode: a deployment baking, or paused at a hook someone else
// answers, is not stuck however long it takes.
// albWithAdvancedConfiguration puts web behind an ALB whose configuration
// allows ECS's blue/green, canary and linear strategies.
var albWithAdvancedConfiguration = []types.LoadBalancer{{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/1"),
	ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080),
	AdvancedConfiguration: &types.AdvancedConfiguration{
		AlternateTargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/2"),
		ProductionListenerRule:  aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/3/4/5"),
		RoleArn:                 aws.String("arn:aws:iam::123456789012:role/ecs-infrastructure"),
	}}}

func TestCheckLeavesBakingAndPausedDeploymentsAlone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		cfg   *types.DeploymentConfiguration
		after time.Duration
		words string
	}{
		{"rolling deployment in its bake time", &types.DeploymentConfiguration{BakeTimeInMinutes: aws.Int32(90)}, 45 * time.Minute, "BAKE_TIME"},
		{"blue/green deployment in its bake time", &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyBlueGreen, BakeTimeInMinutes: aws.Int32(90)}, 45 * time.Minute, "BAKE_TIME"},
		{"blue/green deployment paused for approval", &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyBlueGreen, BakeTimeInMinutes: aws.Int32(5),
			LifecycleHooks: []types.DeploymentLifecycleHook{{TargetType: types.DeploymentLifecycleHookTargetTypePause,
				LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePostTestTrafficShift}}}},
			2 * time.Hour, "waiting for approval at POST_TEST_TRAFFIC_SHIFT"},
	}
	for _, tc := range cases {
		for _, lag := range lagModes {
			t.Run(tc.name+"/"+lag.name, func(t *testing.T) {
				t.Parallel()
				e := newEnvLB(t, tc.cfg, albWithAdvancedConfiguration, lag.opts...)
				e.update("web:v2", tc.after)
				before := e.mutations()
				continues := e.sim.Calls()["ContinueServiceDeployment"]
				r := e.run(map[string]string{"cluster": "prod", "service": "web", "mode": "check", "stuck-after": "30m"})
				require.Equal(t, 0, r.code, r.stdout)
				assert.Equal(t, before, e.mutations())
				assert.Equal(t, continues, e.sim.Calls()["ContinueServiceDeployment"], "someone else's hook is not answered")
				assert.Equal(t, "false", output(r.outputs, "rolled-back"))
				assert.NotContains(t, r.summary, "stuck")
				assert.Contains(t, r.summary, tc.words)
				assert.True(t, strings.HasSuffix(aws.ToString(e.service().TaskDefinition), "/web:2"))
			})
		}
	}
}

// approve answers, as the person who owns it would, the PAUSE hook the
// service's current deployment waits at; false when none waits.
func (e *env) approve() bool {
	ctx := context.Background()
	svc, err := e.sim.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"web"}})
	if err != nil || len(svc.Services) != 1 {
		return false
	}
	arn := svc.Services[0].CurrentServiceDeployment
	sd, err := e.sim.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{aws.ToString(arn)}})
	if err != nil || len(sd.ServiceDeployments) != 1 {
		return false
	}
	for _, h := range sd.ServiceDeployments[0].LifecycleHookDetails {
		if h.Status == types.DeploymentLifecycleHookStatusAwaitingAction {
			_, err := e.sim.ContinueServiceDeployment(ctx, &ecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: arn, HookId: h.HookId,
				Action: types.DeploymentLifecycleHookActionContinue})
			return err == nil
		}
	}
	return false
}

// A rollback into a service whose own configuration holds a PAUSE hook (a
// manual approval) waits for its owner and reports it; it never answers it.
func TestRollbackLeavesSomeoneElsesHookAlone(t *testing.T) {
	t.Parallel()
	cfg := &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyBlueGreen, BakeTimeInMinutes: aws.Int32(2),
		LifecycleHooks: []types.DeploymentLifecycleHook{{TargetType: types.DeploymentLifecycleHookTargetTypePause,
			LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePostTestTrafficShift}}}}
	cases := []struct {
		name       string
		approveAft time.Duration // 0: nobody approves
		code       int
	}{
		{"nobody approves: the rollback times out", 0, 1},
		{"the owner approves after 4 minutes", 4 * time.Minute, 0},
	}
	for _, tc := range cases {
		for _, lag := range lagModes {
			t.Run(tc.name+"/"+lag.name, func(t *testing.T) {
				t.Parallel()
				e := newEnvLB(t, cfg, albWithAdvancedConfiguration, lag.opts...)
				e.update("web:v2", 2*time.Minute)
				require.True(t, e.approve(), "fixture: web:2's deployment waits for approval")
				e.sim.Advance(5 * time.Minute)
				e.steadyOn("web:2")
				continues := e.sim.Calls()["ContinueServiceDeployment"]
				start := e.sim.Now()
				approved := false
				e.clock = simclock.Manual{NowFunc: e.sim.Now, Advance: func(d time.Duration) {
					e.sim.Advance(d)
					if tc.approveAft > 0 && !approved && e.sim.Now().Sub(start) >= tc.approveAft {
						approved = e.approve()
					}
				}}
				r := e.run(map[string]string{"cluster": "prod", "service": "web", "timeout": "10m"})
				require.Equal(t, tc.code, r.code, r.stdout)
				assert.Contains(t, r.summary, "waiting for approval at POST_TEST_TRAFFIC_SHIFT")
				want := continues
				if tc.approveAft > 0 {
					require.True(t, approved, "the owner found the hook waiting")
					want++
					e.steadyOn("web:1")
				}
				assert.Equal(t, want, e.sim.Calls()["ContinueServiceDeployment"], "only the owner answers the hook")
			})
		}
	}
}

// Without ECS's deployment history (a role lacking
// ecs:DescribeServiceRevisions) the ledger still answers, with a warning
// that says what was not checked; previous without a ledger cannot be
// resolved and says which permission is missing.
func TestRollbackWithoutDeploymentHistory(t *testing.T) {
	t.Parallel()
	t.Run("last-known-good from the ledger, with a warning", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil)
		l := e.withLedger()
		e.update("web:v2", 3*time.Minute)
		e.steadyOn("web:2")
		require.NoError(t, l.Put(context.Background(), ledger.Record{Cluster: "prod", Service: "web", TaskDefinition: tdARN("web:1"), Outcome: "succeeded", Start: t0}))
		e.ecs.denyRevisions.Store(true)
		r := e.run(map[string]string{"cluster": "prod", "service": "web", "to": "last-known-good", "ledger-table": l.Table})
		require.Equal(t, 0, r.code, r.stdout)
		assert.Contains(t, r.stdout, "::warning::[web] failed to read the service revisions of web (rollback needs ecs:DescribeServiceRevisions)")
		e.steadyOn("web:1")
	})
	t.Run("previous without a ledger fails naming the permission", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil)
		e.update("web:v2", 3*time.Minute)
		e.steadyOn("web:2")
		e.ecs.denyRevisions.Store(true)
		before := e.mutations()
		r := e.run(map[string]string{"cluster": "prod", "service": "web"})
		require.NotEqual(t, 0, r.code, r.stdout)
		assert.Contains(t, r.stdout, "ecs:DescribeServiceRevisions")
		assert.Equal(t, before, e.mutations())
	})
}
