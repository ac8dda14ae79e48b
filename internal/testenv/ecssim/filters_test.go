package ecssim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"
)

func TestRolloutStateOnlyForRollingServices(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  *types.DeploymentConfiguration
		want bool
	}{
		{name: "rolling", want: true},
		{name: "canary", cfg: &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyCanary}},
		{name: "blue/green", cfg: &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyBlueGreen, BakeTimeInMinutes: ptr(int32(0))}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			f.deploy("app:v2", tc.cfg)
			f.sim.Advance(10 * time.Second)
			deps := f.service().Deployments
			require.NotEmpty(t, deps)
			for _, d := range deps {
				require.Equal(t, tc.want, d.RolloutState != "", "rolloutState %q", d.RolloutState)
				require.Equal(t, tc.want, d.RolloutStateReason != nil)
			}
		})
	}
	t.Run("classic load balancer", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		ok(f.sim.CreateService(f.ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr("elb"), TaskDefinition: ptr("web"), DesiredCount: ptr(int32(1)),
			LoadBalancers: []types.LoadBalancer{{LoadBalancerName: ptr("classic"), ContainerName: ptr("app"), ContainerPort: ptr(int32(8080))}}}))
		out := ok(f.sim.DescribeServices(f.ctx, &ecs.DescribeServicesInput{Cluster: ptr("c1"), Services: []string{"elb"}}))
		require.Empty(t, out.Services[0].Deployments[0].RolloutState)
	})
}

func TestListTasksStartedBy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.sim.InjectFault(Fault{Kind: FaultImagePull, Image: "app:v2"})
	f.deploy("app:v2", nil)
	f.sim.Advance(3 * time.Minute)
	id := *f.service().Deployments[0].Id
	require.True(t, strings.HasPrefix(id, "ecs-svc/"), id)

	_, err := f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("c1"), StartedBy: ptr(id), ServiceName: ptr("web")})
	check(t, err, "startedBy must be the only filter")
	_, err = f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("c1"), StartedBy: ptr(id), Family: ptr("web")})
	check(t, err, "startedBy must be the only filter")

	stopped := ok(f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("c1"), StartedBy: ptr(id), DesiredStatus: types.DesiredStatusStopped}))
	require.GreaterOrEqual(t, len(stopped.TaskArns), 3)
	tasks := ok(f.sim.DescribeTasks(f.ctx, &ecs.DescribeTasksInput{Cluster: ptr("c1"), Tasks: stopped.TaskArns}))
	for _, tk := range tasks.Tasks {
		require.Equal(t, id, *tk.StartedBy)
		require.Equal(t, types.TaskStopCodeTaskFailedToStart, tk.StopCode)
	}
}

// TestPagination: every List* honours maxResults (1 to 100) and nextToken,
// with the documented default page sizes.
func TestPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for i := range 12 {
		ok(f.sim.CreateService(f.ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr(fmt.Sprintf("s%02d", i)), TaskDefinition: ptr("web"), DesiredCount: ptr(int32(10))}))
	}
	for range 21 {
		ok(f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), ForceNewDeployment: true}))
	}
	f.sim.Advance(time.Minute)

	services := ok(f.sim.ListServices(f.ctx, &ecs.ListServicesInput{Cluster: ptr("c1")}))
	require.Len(t, services.ServiceArns, 10, "ListServices returns 10 by default")
	require.NotNil(t, services.NextToken)
	rest := ok(f.sim.ListServices(f.ctx, &ecs.ListServicesInput{Cluster: ptr("c1"), NextToken: services.NextToken}))
	require.Len(t, rest.ServiceArns, 3)
	require.Nil(t, rest.NextToken)

	deps := ok(f.sim.ListServiceDeployments(f.ctx, &ecs.ListServiceDeploymentsInput{Cluster: ptr("c1"), Service: ptr("web")}))
	require.Len(t, deps.ServiceDeployments, 20, "ListServiceDeployments returns 20 by default")
	deps = ok(f.sim.ListServiceDeployments(f.ctx, &ecs.ListServiceDeploymentsInput{Cluster: ptr("c1"), Service: ptr("web"), NextToken: deps.NextToken}))
	require.Len(t, deps.ServiceDeployments, 2)

	var all []string
	var token *string
	for page := 0; ; page++ {
		out := ok(f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("c1"), NextToken: token}))
		require.LessOrEqual(t, len(out.TaskArns), 100, "ListTasks returns at most 100 by default")
		all = append(all, out.TaskArns...)
		if token = out.NextToken; token == nil {
			require.Equal(t, 1, page, "two pages")
			break
		}
	}
	require.Len(t, all, 123)

	for _, bad := range []int32{0, 101} {
		_, err := f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("c1"), MaxResults: ptr(bad)})
		check(t, err, "maxResults must be between 1 and 100")
		_, err = f.sim.ListServiceDeployments(f.ctx, &ecs.ListServiceDeploymentsInput{Cluster: ptr("c1"), Service: ptr("web"), MaxResults: ptr(bad)})
		check(t, err, "maxResults must be between 1 and 100")
	}
	f.register("app:v2")
	one := ok(f.sim.ListTaskDefinitions(f.ctx, &ecs.ListTaskDefinitionsInput{MaxResults: ptr(int32(1))}))
	require.Len(t, one.TaskDefinitionArns, 1)
	require.NotNil(t, one.NextToken)
}
