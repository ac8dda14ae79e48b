package ecssim

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"
)

// defaultLag restores the default read lag over the fixture's current reads.
var defaultLag = WithReadLag(defaultLagMin, defaultLagMax)

func (f *fixture) describeSD(arn string) *ecs.DescribeServiceDeploymentsOutput {
	return ok(f.sim.DescribeServiceDeployments(f.ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}}))
}

func (f *fixture) listedSDs() []string {
	out := ok(f.sim.ListServiceDeployments(f.ctx, &ecs.ListServiceDeploymentsInput{Cluster: ptr("c1"), Service: ptr("web")}))
	var arns []string
	for _, b := range out.ServiceDeployments {
		arns = append(arns, *b.ServiceDeploymentArn)
	}
	return arns
}

func (f *fixture) taskArns() []string {
	return ok(f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("c1"), ServiceName: ptr("web")})).TaskArns
}

// visibleAfter polls every 100 ms until the service deployment arn is
// visible and returns how long that took.
func (f *fixture) visibleAfter(arn string) time.Duration {
	f.t.Helper()
	start := f.sim.Now()
	for len(f.describeSD(arn).ServiceDeployments) == 0 {
		require.Less(f.t, f.sim.Now().Sub(start), time.Minute, "deployment never became visible")
		f.sim.Advance(100 * time.Millisecond)
	}
	return f.sim.Now().Sub(start)
}

func TestReadLagIsOnByDefault(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	sim := New(NewFakeClock(t0))
	ok(sim.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: ptr("c1")}))
	ok(sim.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: ptr("app"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: ptr("a"), Image: ptr("a:1")}}}))
	created := ok(sim.CreateService(ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr("s"), TaskDefinition: ptr("app"), DesiredCount: ptr(int32(1))}))
	require.Equal(t, "s", *created.Service.ServiceName, "the write's own answer is current")

	desc := ok(sim.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: ptr("c1"), Services: []string{"s"}}))
	require.Empty(t, desc.Services)
	require.Len(t, desc.Failures, 1)
	require.Equal(t, "MISSING", *desc.Failures[0].Reason)
	list := ok(sim.ListServices(ctx, &ecs.ListServicesInput{Cluster: ptr("c1")}))
	require.Empty(t, list.ServiceArns)
	_, err := sim.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: ptr("c1"), Service: ptr("s")})
	require.True(t, isErr[*types.ServiceNotFoundException](err), "got %v", err)

	sim.Advance(defaultLagMax)
	desc = ok(sim.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: ptr("c1"), Services: []string{"s"}}))
	require.Len(t, desc.Services, 1)
	list = ok(sim.ListServices(ctx, &ecs.ListServicesInput{Cluster: ptr("c1")}))
	require.Equal(t, []string{*created.Service.ServiceArn}, list.ServiceArns)
}

func TestReadLagAfterUpdateService(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, defaultLag)
	before := f.service()
	oldTasks := f.taskArns()
	require.Len(t, oldTasks, 3)

	arn := f.deploy("app:v2", &types.DeploymentConfiguration{BakeTimeInMinutes: ptr(int32(1))})

	// the simulation proceeds at once: the new tasks exist already ...
	writeTime := f.sim.Now()
	// ... but every read shows the service as it was before the write
	stale := f.service()
	require.Equal(t, *before.TaskDefinition, *stale.TaskDefinition)
	require.Len(t, stale.Deployments, 1)
	require.Equal(t, *before.Deployments[0].Id, *stale.Deployments[0].Id)
	require.Nil(t, stale.DeploymentConfiguration.BakeTimeInMinutes)
	require.Equal(t, deref(before.CurrentServiceDeployment), deref(stale.CurrentServiceDeployment))
	require.NotContains(t, f.listedSDs(), arn)
	out := f.describeSD(arn)
	require.Empty(t, out.ServiceDeployments)
	require.Len(t, out.Failures, 1)
	require.Equal(t, "MISSING", *out.Failures[0].Reason)
	require.Equal(t, arn, *out.Failures[0].Arn)
	require.ElementsMatch(t, oldTasks, f.taskArns(), "new tasks are not listed yet")

	lag := f.visibleAfter(arn)
	require.GreaterOrEqual(t, lag, defaultLagMin)
	require.LessOrEqual(t, lag, defaultLagMax+100*time.Millisecond)
	f.sim.Advance(defaultLagMax) // tasks draw their own lag
	fresh := f.service()
	require.Equal(t, arn, *fresh.CurrentServiceDeployment)
	require.Len(t, fresh.Deployments, 2)
	require.Equal(t, int32(1), *fresh.DeploymentConfiguration.BakeTimeInMinutes)
	require.Contains(t, f.listedSDs(), arn)
	tasks := f.taskArns()
	require.Len(t, tasks, 6)
	dt := ok(f.sim.DescribeTasks(f.ctx, &ecs.DescribeTasksInput{Cluster: ptr("c1"), Tasks: tasks}))
	newTasks := 0
	for _, tk := range dt.Tasks {
		if *tk.StartedBy == *fresh.Deployments[0].Id {
			newTasks++
			require.Equal(t, writeTime, *tk.CreatedAt, "the scheduler did not wait for the lag")
		}
	}
	require.Equal(t, 3, newTasks)
}

func TestReadLagHidesNewTasksFromDescribeTasks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.deploy("app:v2", nil)
	f.sim.Advance(time.Second)
	// find the new tasks with current reads, then look again with a lag
	all := f.taskArns()
	require.Len(t, all, 6)

	g := newFixture(t, nil, WithReadLag(5*time.Second, 5*time.Second))
	g.deploy("app:v2", nil)
	g.sim.Advance(time.Second)
	out := ok(g.sim.DescribeTasks(g.ctx, &ecs.DescribeTasksInput{Cluster: ptr("c1"), Tasks: all}))
	require.Len(t, out.Tasks, 3, "only the old tasks are visible")
	require.Len(t, out.Failures, 3)
	for _, fl := range out.Failures {
		require.Equal(t, "MISSING", *fl.Reason)
	}
}

func TestReadLagAfterStopServiceDeployment(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cbRollback(), WithReadLag(2*time.Second, 2*time.Second))
	arn := f.deploy("app:v2", nil)
	f.sim.Advance(30 * time.Second)
	require.Equal(t, types.ServiceDeploymentStatusInProgress, f.sd(arn).Status)

	ok(f.sim.StopServiceDeployment(f.ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: ptr(arn)}))
	require.Equal(t, types.ServiceDeploymentStatusInProgress, f.sd(arn).Status, "the stop is not visible yet")
	f.sim.Advance(time.Second)
	require.Equal(t, types.ServiceDeploymentStatusInProgress, f.sd(arn).Status)
	f.sim.Advance(time.Second)
	require.Contains(t, []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusRollbackInProgress, types.ServiceDeploymentStatusRollbackSuccessful}, f.sd(arn).Status)
}

func TestReadLagIsSeeded(t *testing.T) {
	t.Parallel()
	window := func(seed int64) time.Duration {
		f := newFixture(t, nil, defaultLag, WithSeed(seed))
		return f.visibleAfter(f.deploy("app:v2", nil))
	}
	seen := map[time.Duration]bool{}
	for seed := int64(1); seed <= 8; seed++ {
		w := window(seed)
		require.Equal(t, w, window(seed), "seed %d gives the same window twice", seed)
		require.GreaterOrEqual(t, w, defaultLagMin)
		require.LessOrEqual(t, w, defaultLagMax+100*time.Millisecond)
		seen[w] = true
	}
	require.Greater(t, len(seen), 2, "the window is jittered across seeds: %v", seen)
}

func TestReadLagOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, WithReadLag(0, 0))
	arn := f.deploy("app:v2", nil)
	require.Equal(t, arn, *f.service().CurrentServiceDeployment)
	require.Contains(t, f.listedSDs(), arn)
	require.Len(t, f.taskArns(), 6)
}
