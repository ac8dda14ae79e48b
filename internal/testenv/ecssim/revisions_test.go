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

func (f *fixture) describeRevs(arns ...string) *ecs.DescribeServiceRevisionsOutput {
	return ok(f.sim.DescribeServiceRevisions(f.ctx, &ecs.DescribeServiceRevisionsInput{ServiceRevisionArns: arns}))
}

// targetRevisions lists the target service revision of every listed
// service deployment, newest first.
func (f *fixture) targetRevisions() []string {
	out := ok(f.sim.ListServiceDeployments(f.ctx, &ecs.ListServiceDeploymentsInput{Cluster: ptr("c1"), Service: ptr("web")}))
	var arns []string
	for _, b := range out.ServiceDeployments {
		arns = append(arns, deref(b.TargetServiceRevisionArn))
	}
	return arns
}

func TestServiceRevisionPerDeployment(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cbRollback())
	svc := f.service()
	first := f.targetRevisions()
	require.Len(t, first, 1, "CreateService creates one service revision")

	out := f.describeRevs(first[0])
	require.Empty(t, out.Failures)
	require.Len(t, out.ServiceRevisions, 1)
	rev := out.ServiceRevisions[0]
	require.Equal(t, first[0], deref(rev.ServiceRevisionArn))
	require.Equal(t, deref(svc.ServiceArn), deref(rev.ServiceArn))
	require.Equal(t, deref(svc.ClusterArn), deref(rev.ClusterArn))
	require.True(t, strings.HasSuffix(deref(rev.TaskDefinition), ":task-definition/web:1"), deref(rev.TaskDefinition))
	require.Equal(t, t0, deref(rev.CreatedAt))
	require.Equal(t, types.LaunchTypeFargate, rev.LaunchType)
	require.Equal(t, fixtureLBs(), rev.LoadBalancers)
	require.Len(t, rev.ContainerImages, 1)
	require.Equal(t, "app", deref(rev.ContainerImages[0].ContainerName))
	require.Equal(t, "app:v1", deref(rev.ContainerImages[0].Image))
	require.True(t, strings.HasPrefix(deref(rev.ContainerImages[0].ImageDigest), "sha256:"))

	// a change of the desired count starts no deployment and no revision
	ok(f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), DesiredCount: ptr(int32(4))}))
	require.Equal(t, first, f.targetRevisions())

	// every update that starts a deployment creates one; earlier ones do
	// not change (a service revision is immutable)
	v2 := f.deploy("app:v2", nil)
	f.runUntil(10*time.Minute, 5*time.Second, func() bool { return f.sd(v2).Status == types.ServiceDeploymentStatusSuccessful })
	revs := f.targetRevisions()
	require.Len(t, revs, 2)
	require.NotEqual(t, revs[0], revs[1])
	require.Equal(t, first[0], revs[1])
	both := f.describeRevs(revs...)
	require.Len(t, both.ServiceRevisions, 2)
	require.True(t, strings.HasSuffix(deref(both.ServiceRevisions[0].TaskDefinition), "web:2"))
	require.Equal(t, rev, both.ServiceRevisions[1], "the first revision is unchanged")

	// a rollback creates none: ECS deploys the last successful revision
	f.sim.InjectFault(Fault{Kind: FaultImagePull, Image: "app:broken"})
	bad := f.deploy("app:broken", nil)
	f.runUntil(30*time.Minute, 5*time.Second, func() bool { return f.sd(bad).Status == types.ServiceDeploymentStatusRollbackSuccessful })
	revs = f.targetRevisions()
	require.Len(t, revs, 3)
	require.Equal(t, revs[1], deref(f.sd(bad).Rollback.ServiceRevisionArn))
	var current []string
	for _, r := range f.service().CurrentServiceRevisions {
		current = append(current, deref(r.Arn))
	}
	require.Equal(t, []string{revs[1]}, current)
}

func TestDescribeServiceRevisionsRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	known := f.targetRevisions()[0]
	unknown := strings.Replace(known, "/web/", "/gone/", 1)

	out := f.describeRevs(unknown, known)
	require.Len(t, out.ServiceRevisions, 1)
	require.Equal(t, known, deref(out.ServiceRevisions[0].ServiceRevisionArn))
	require.Len(t, out.Failures, 1)
	require.Equal(t, unknown, deref(out.Failures[0].Arn))
	require.Equal(t, "MISSING", deref(out.Failures[0].Reason))

	twenty := make([]string, 20)
	for i := range twenty {
		twenty[i] = fmt.Sprintf("%s%d", unknown, i)
	}
	require.Len(t, f.describeRevs(twenty...).Failures, 20)

	cases := []struct {
		name string
		arns []string
	}{
		{"none", nil},
		{"more than 20", append(twenty, known)},
	}
	for _, tc := range cases {
		_, err := f.sim.DescribeServiceRevisions(f.ctx, &ecs.DescribeServiceRevisionsInput{ServiceRevisionArns: tc.arns})
		require.True(t, isErr[*types.InvalidParameterException](err), "%s: got %v", tc.name, err)
	}

	// ECS deletes a service's revisions with the service
	ok(f.sim.DeleteService(f.ctx, &ecs.DeleteServiceInput{Cluster: ptr("c1"), Service: ptr("web")}))
	out = f.describeRevs(known)
	require.Empty(t, out.ServiceRevisions)
	require.Equal(t, "MISSING", deref(out.Failures[0].Reason))
}

func TestReadLagHidesNewServiceRevisions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, defaultLag)
	old := f.targetRevisions()[0]

	up := ok(f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), TaskDefinition: ptr(f.register("app:v2"))}))
	var fresh string
	for _, r := range up.Service.CurrentServiceRevisions {
		if deref(r.Arn) != old {
			fresh = deref(r.Arn)
		}
	}
	require.NotEmpty(t, fresh, "the write's own answer names the new revision")

	out := f.describeRevs(old, fresh)
	require.Len(t, out.ServiceRevisions, 1, "the earlier revision stays visible")
	require.Equal(t, old, deref(out.ServiceRevisions[0].ServiceRevisionArn))
	require.Len(t, out.Failures, 1)
	require.Equal(t, fresh, deref(out.Failures[0].Arn))
	require.Equal(t, "MISSING", deref(out.Failures[0].Reason))

	f.sim.Advance(defaultLagMax)
	require.Len(t, f.describeRevs(old, fresh).ServiceRevisions, 2)

	// a new service's first revision lags like the service itself
	created := ok(f.sim.CreateService(f.ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr("api"), TaskDefinition: ptr("web"), DesiredCount: ptr(int32(1))}))
	first := deref(created.Service.CurrentServiceRevisions[0].Arn)
	require.Equal(t, "MISSING", deref(f.describeRevs(first).Failures[0].Reason))
	f.sim.Advance(defaultLagMax)
	require.Len(t, f.describeRevs(first).ServiceRevisions, 1)
}

// TestRollbackAfterBakeReusesTheRevision: a rolling deployment whose old
// tasks are gone (bake time) and whose alarm then rolls it back starts new
// tasks of the last successful service revision, not a new revision.
func TestRollbackAfterBakeReusesTheRevision(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	old := f.targetRevisions()[0]
	arn := f.deploy("app:v2", &types.DeploymentConfiguration{
		BakeTimeInMinutes: ptr(int32(10)),
		Alarms:            &types.DeploymentAlarms{AlarmNames: []string{"latency"}, Enable: true, Rollback: true},
	})
	f.runUntil(5*time.Minute, 5*time.Second, func() bool { return f.sd(arn).LifecycleStage == types.ServiceDeploymentLifecycleStageBakeTime })
	require.Equal(t, map[string]int{"app:v2": 3}, f.runningImages(), "the old tasks are gone at bake time")
	f.sim.SetAlarmState("latency", "ALARM")
	f.runUntil(5*time.Minute, 5*time.Second, func() bool { return f.sd(arn).Status == types.ServiceDeploymentStatusRollbackSuccessful })
	require.Equal(t, map[string]int{"app:v1": 3}, f.runningImages())

	require.Equal(t, old, deref(f.sd(arn).Rollback.ServiceRevisionArn))
	var current []string
	for _, r := range f.service().CurrentServiceRevisions {
		current = append(current, deref(r.Arn))
	}
	require.Equal(t, []string{old}, current, "the rollback runs the earlier revision")
	require.Len(t, f.targetRevisions(), 2)
}
