package deploy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

// The engine on ECS's documented contract (issue 10): eventually
// consistent reads, hooks that belong to others, strategy prerequisites,
// startedBy task lists, refused tracking calls.

// consistencyModes are the read-after-write windows every contract test
// below runs under: none, the default 1–3 s under several seeds, and a
// window longer than the first polls.
var consistencyModes = func() []struct {
	name string
	opts []ecssim.Option
} {
	modes := []struct {
		name string
		opts []ecssim.Option
	}{{"lag 0", []ecssim.Option{ecssim.WithReadLag(0, 0)}}}
	for seed := int64(1); seed <= 5; seed++ {
		modes = append(modes, struct {
			name string
			opts []ecssim.Option
		}{fmt.Sprintf("lag 1-3s seed %d", seed), []ecssim.Option{ecssim.WithSeed(seed)}})
	}
	return append(modes, struct {
		name string
		opts []ecssim.Option
	}{"lag 20s", []ecssim.Option{ecssim.WithReadLag(20*time.Second, 20*time.Second)}})
}()

// A good deploy is never reported failed or rolled back because a read
// did not show it yet (stale first DescribeServices, new ARN MISSING in
// DescribeServiceDeployments), and a bad one is never reported succeeded.
func TestStaleReadsAreNotFailures(t *testing.T) {
	t.Parallel()
	cb := &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}
	cases := []struct {
		name     string
		cfg      *types.DeploymentConfiguration
		tag      string
		strategy Strategy
		want     Status
		steady   string
	}{
		{"rolling good", cb, "v2", Strategy{}, Succeeded, "web:2"},
		{"rolling bad", cb, "broken", Strategy{}, RolledBack, "web:1"},
		{"blue-green good", nil, "v2", Strategy{Kind: "blue-green", BakeTime: time.Minute}, Succeeded, "web:2"},
		{"canary bad", nil, "broken", Strategy{Kind: "canary", CanaryPercent: 20, CanaryBakeTime: time.Minute}, RolledBack, "web:1"},
	}
	for _, mode := range consistencyModes {
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnvWith(t, mode.opts, tc.cfg, "web")
				e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:broken"})
				p := e.plan(tc.tag, "", "web")
				p.Strategy = tc.strategy
				res := e.run(context.Background(), p)
				require.Equal(t, tc.want, res.Status, e.summary(res))
				e.SteadyOn("web", tc.steady)
				require.NotContains(t, e.summary(res), "did not show deployment")
			})
		}
	}
}

// A deployment ECS never shows fails after the settle window, saying so.
func TestDeploymentNeverVisibleFailsClearly(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, []ecssim.Option{ecssim.WithReadLag(0, 0)}, nil, "web")
	e.engine.ECS = &missingDeployments{Sim: e.Sim}
	res := e.run(context.Background(), e.plan("v2", "", "web"))
	require.NotEqual(t, Succeeded, res.Status)
	contains(t, e.summary(res), "did not show deployment", "in DescribeServiceDeployments for 1m")
}

// missingDeployments answers every service deployment as MISSING.
type missingDeployments struct{ *ecssim.Sim }

func (m *missingDeployments) DescribeServiceDeployments(_ context.Context, in *ecs.DescribeServiceDeploymentsInput, _ ...func(*ecs.Options)) (*ecs.DescribeServiceDeploymentsOutput, error) {
	out := &ecs.DescribeServiceDeploymentsOutput{}
	for _, a := range in.ServiceDeploymentArns {
		out.Failures = append(out.Failures, types.Failure{Arn: aws.String(a), Reason: aws.String("MISSING")})
	}
	return out, nil
}

// A PAUSE hook in the service's own configuration is someone's approval:
// the engine reports it, keeps waiting with progress lines, and never
// answers it, whether its owner approves or nobody does.
func TestHookOfSomeoneElseIsLeftToItsOwner(t *testing.T) {
	t.Parallel()
	for _, approve := range []bool{true, false} {
		t.Run(fmt.Sprintf("approved=%v", approve), func(t *testing.T) {
			t.Parallel()
			cfg := &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyBlueGreen, BakeTimeInMinutes: aws.Int32(1),
				LifecycleHooks: []types.DeploymentLifecycleHook{{TargetType: types.DeploymentLifecycleHookTargetTypePause,
					LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePostTestTrafficShift}}}}
			e := newEnv(t, cfg, "web")
			var logs []string
			e.engine.Log = func(service, line string) {
				logs = append(logs, line)
				if approve && strings.Contains(line, "still waiting for approval") && !strings.Contains(strings.Join(logs[:len(logs)-1], "\n"), "still waiting") {
					e.approve("web")
				}
			}
			p := e.plan("v2", "", "web")
			p.Gates.HealthCheckURL = "https://test.example.com/health"
			p.Timeout = 10 * time.Minute
			res := e.run(context.Background(), p)
			if approve {
				require.Equal(t, Succeeded, res.Status, e.summary(res))
				require.Equal(t, 1, e.Sim.Calls()["ContinueServiceDeployment"], "only the owner answered")
			} else {
				require.Equal(t, RolledBack, res.Status, e.summary(res))
				require.Zero(t, e.Sim.Calls()["ContinueServiceDeployment"], "nobody answered the hook")
				contains(t, e.summary(res), "timed out after 10m0s")
			}
			contains(t, e.summary(res), "waiting for approval at POST_TEST_TRAFFIC_SHIFT")
			contains(t, strings.Join(logs, "\n"), "still waiting for approval at POST_TEST_TRAFFIC_SHIFT")
		})
	}
}

// approve answers the service's waiting PAUSE hook as its owner would.
func (e *env) approve(service string) {
	ctx := context.Background()
	l, err := e.Sim.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("prod"), Service: aws.String(service),
		Status: []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusInProgress}})
	require.NoError(e.T, err)
	require.NotEmpty(e.T, l.ServiceDeployments)
	arn := l.ServiceDeployments[0].ServiceDeploymentArn
	d, err := e.Sim.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{aws.ToString(arn)}})
	require.NoError(e.T, err)
	hook := awaitingHook(&d.ServiceDeployments[0])
	require.NotNil(e.T, hook)
	_, err = e.Sim.ContinueServiceDeployment(ctx, &ecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: arn, HookId: hook.HookId})
	require.NoError(e.T, err)
}

// More than 100 stopped tasks of earlier deployments do not hide the failing
// tasks of this one: they are listed by startedBy, all pages.
func TestExplanationFindsFailingTasksAmongManyStopped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	ctx := context.Background()
	for _, n := range []int32{130, 2} { // scale out, then in: 128 stopped tasks of web:1
		_, err := e.Sim.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("web"), DesiredCount: aws.Int32(n)})
		require.NoError(t, err)
		e.Sim.Advance(5 * time.Minute)
	}
	lt, err := e.Sim.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("prod"), ServiceName: aws.String("web"), DesiredStatus: types.DesiredStatusStopped})
	require.NoError(t, err)
	require.NotEmpty(t, lt.NextToken, "fixture: more than 100 stopped tasks")
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:broken"})
	res := e.run(ctx, e.plan("broken", "", "web"))
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	contains(t, strings.Join(res.Services[0].Explanation, "\n"), "image pull error for container app (web:broken)")
	for _, l := range res.Services[0].Explanation {
		require.NotContains(t, l, "Scaling activity", "tasks a deployment scaled in are not failure reasons")
	}
}

// A refused tracking call is named with the permission it needs; tracking
// is never quietly switched off.
func TestAccessDeniedOnTrackingIsNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	e.engine.ECS = &deniedDeployments{Sim: e.Sim}
	res := e.run(context.Background(), e.plan("v2", "", "web"))
	require.NotEqual(t, Succeeded, res.Status, e.summary(res))
	contains(t, e.summary(res), "AccessDeniedException", "the role needs the ecs:DescribeServiceDeployments permission")
}

// deniedDeployments refuses DescribeServiceDeployments as IAM does.
type deniedDeployments struct{ *ecssim.Sim }

func (d *deniedDeployments) DescribeServiceDeployments(context.Context, *ecs.DescribeServiceDeploymentsInput, ...func(*ecs.Options)) (*ecs.DescribeServiceDeploymentsOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: ecs:DescribeServiceDeployments"}
}
