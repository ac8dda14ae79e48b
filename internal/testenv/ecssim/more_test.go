package ecssim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestAlarmSourceDuringRollingBake(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	state := "OK"
	var asked []string
	clock := NewFakeClock(t0)
	f := &fixture{t: t, clock: clock, ctx: context.Background()}
	f.sim = New(clock, current, WithAlarmSource(func(names []string) map[string]string {
		mu.Lock()
		defer mu.Unlock()
		asked = names
		return map[string]string{names[0]: state}
	}))
	ok(f.sim.CreateCluster(f.ctx, &ecs.CreateClusterInput{ClusterName: ptr("c1")}))
	f.register("app:v1")
	ok(f.sim.CreateService(f.ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr("web"), TaskDefinition: ptr("web"), DesiredCount: ptr(int32(2))}))
	f.sim.Advance(2 * time.Minute)
	arn := f.deploy("app:v2", &types.DeploymentConfiguration{
		BakeTimeInMinutes: ptr(int32(10)),
		Alarms:            &types.DeploymentAlarms{AlarmNames: []string{"latency"}, Enable: true, Rollback: true},
	})
	f.runUntil(5*time.Minute, 5*time.Second, func() bool { return f.sd(arn).LifecycleStage == types.ServiceDeploymentLifecycleStageBakeTime })
	if got := f.runningImages(); got["app:v2"] != 2 || len(got) != 1 {
		t.Fatalf("running %v at bake time, want the new revision only", got)
	}
	mu.Lock()
	state = "ALARM"
	mu.Unlock()
	f.runUntil(5*time.Minute, 5*time.Second, func() bool { return !isActive(f.sd(arn).Status) })
	sd := f.sd(arn)
	if sd.Status != types.ServiceDeploymentStatusRollbackSuccessful {
		t.Fatalf("status %s, want ROLLBACK_SUCCESSFUL after the alarm fired during bake\n%s", sd.Status, f.events())
	}
	// the old tasks were gone, so the rollback started new ones of web:1
	if got := f.runningImages(); got["app:v1"] != 2 || len(got) != 1 {
		t.Errorf("running %v, want app:v1 back", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 1 || asked[0] != "latency" {
		t.Errorf("alarm source asked for %v, want [latency]", asked)
	}
}

func TestTargetHealth(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for _, tg := range f.sim.TargetHealth("web") {
		if tg.State != "healthy" || tg.Port != 8080 || tg.TargetGroupArn != tgARN || tg.ProductionWeight != 100 {
			t.Fatalf("steady target %+v", tg)
		}
	}
	f.sim.InjectFault(Fault{Kind: FaultUnhealthy, Image: "app:v2"})
	f.deploy("app:v2", nil)
	seen := map[string]bool{}
	for range 120 {
		f.sim.Advance(time.Second)
		for _, tg := range f.sim.TargetHealth("arn:aws:ecs:us-east-1:123456789012:service/c1/web") {
			if tg.TaskDefinitionArn != f.sim.arn("task-definition/web:1") {
				seen[tg.State+"/"+tg.Reason] = true
			}
		}
	}
	for _, want := range []string{"initial/Elb.InitialHealthChecking", "unhealthy/Target.FailedHealthChecks", "draining/Target.DeregistrationInProgress"} {
		if !seen[want] {
			t.Errorf("never saw %s for the new tasks; saw %v", want, seen)
		}
	}
	descs := f.sim.TargetHealthDescriptions(tgARN)
	if len(descs) < 3 || *descs[0].Target.Port != 8080 || descs[0].TargetHealth.State != "healthy" {
		t.Errorf("ELBv2 descriptions %+v", descs)
	}
	if got := f.sim.TargetHealth("nope"); len(got) != 0 {
		t.Errorf("unknown service has targets %v", got)
	}
}

func TestUpdateServiceSemantics(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	first := *f.service().CurrentServiceDeployment

	// scaling alone is not a deployment
	ok(f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), DesiredCount: ptr(int32(5))}))
	if cur := *f.service().CurrentServiceDeployment; cur != first {
		t.Errorf("desired count change started deployment %s", cur)
	}
	f.sim.Advance(2 * time.Minute)
	if svc := f.service(); svc.RunningCount != 5 || !strings.Contains(f.events(), "has reached a steady state") {
		t.Errorf("running %d after scaling to 5", svc.RunningCount)
	}

	// a second deployment supersedes one in progress
	f.sim.InjectFault(Fault{Kind: FaultSlowStart, Image: "app:v2", After: 10 * time.Minute})
	a := f.deploy("app:v2", nil)
	f.sim.Advance(time.Minute)
	b := f.deploy("app:v3", nil)
	if sd := f.sd(a); sd.Status != types.ServiceDeploymentStatusStopped {
		t.Errorf("superseded deployment %s, want STOPPED", sd.Status)
	}
	f.runUntil(10*time.Minute, 5*time.Second, func() bool { return f.sd(b).Status == types.ServiceDeploymentStatusSuccessful })
	if got := f.runningImages(); got["app:v3"] != 5 || len(got) != 1 {
		t.Errorf("running %v, want 5 x app:v3", got)
	}
	list := ok(f.sim.ListServiceDeployments(f.ctx, &ecs.ListServiceDeploymentsInput{Cluster: ptr("c1"), Service: ptr("web"),
		Status: []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusStopped}}))
	if len(list.ServiceDeployments) != 1 || *list.ServiceDeployments[0].ServiceDeploymentArn != a {
		t.Errorf("STOPPED filter %+v", list.ServiceDeployments)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	cases := []struct {
		name string
		call func() error
		want func(error) bool
	}{
		{"unknown cluster", func() error {
			_, err := f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("nope")})
			return err
		}, isErr[*types.ClusterNotFoundException]},
		{"unknown service", func() error {
			_, err := f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("nope"), ForceNewDeployment: true})
			return err
		}, isErr[*types.ServiceNotFoundException]},
		{"unknown task definition", func() error {
			_, err := f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), TaskDefinition: ptr("web:99")})
			return err
		}, isErr[*types.ClientException]},
		{"unknown service deployment", func() error {
			_, err := f.sim.StopServiceDeployment(f.ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: ptr("arn:nope")})
			return err
		}, isErr[*types.ServiceDeploymentNotFoundException]},
		{"continue without a hook id", func() error {
			_, err := f.sim.ContinueServiceDeployment(f.ctx, &ecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: f.service().CurrentServiceDeployment})
			return err
		}, isErr[*types.InvalidParameterException]},
		{"continue without a pause", func() error {
			_, err := f.sim.ContinueServiceDeployment(f.ctx, &ecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: f.service().CurrentServiceDeployment, HookId: ptr("h1")})
			return err
		}, isErr[*types.InvalidParameterException]},
		{"deregister without revision", func() error {
			_, err := f.sim.DeregisterTaskDefinition(f.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: ptr("web")})
			return err
		}, isErr[*types.ClientException]},
		{"duplicate service", func() error {
			_, err := f.sim.CreateService(f.ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr("web"), TaskDefinition: ptr("web:1")})
			return err
		}, isErr[*types.InvalidParameterException]},
		{"bad page token", func() error {
			_, err := f.sim.ListTaskDefinitions(f.ctx, &ecs.ListTaskDefinitionsInput{NextToken: ptr("zzz")})
			return err
		}, isErr[*types.InvalidParameterException]},
	}
	for _, tc := range cases {
		if err := tc.call(); !tc.want(err) {
			t.Errorf("%s: unexpected error %v", tc.name, err)
		}
	}
	missing := ok(f.sim.DescribeServices(f.ctx, &ecs.DescribeServicesInput{Cluster: ptr("c1"), Services: []string{"web", "ghost"}}))
	if len(missing.Services) != 1 || len(missing.Failures) != 1 || *missing.Failures[0].Reason != "MISSING" {
		t.Errorf("describe with a missing service: %+v", missing.Failures)
	}
}

func TestListTaskDefinitionsPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for i := 2; i <= 5; i++ {
		f.register(fmt.Sprintf("app:v%d", i))
	}
	var all []string
	var token *string
	for {
		out := ok(f.sim.ListTaskDefinitions(f.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: ptr("web"), Sort: types.SortOrderDesc, MaxResults: ptr(int32(2)), NextToken: token}))
		all = append(all, out.TaskDefinitionArns...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(all) != 5 || all[0] != f.sim.arn("task-definition/web:5") || all[4] != f.sim.arn("task-definition/web:1") {
		t.Errorf("pages %v", all)
	}
}

// TestConcurrentClients drives 20 services from parallel goroutines, the
// way a deployer deploys a wave, while the clock moves (run with -race).
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(t0)
	sim := New(clock)
	ctx := context.Background()
	ok(sim.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: ptr("c1")}))
	ok(sim.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: ptr("app"), ContainerDefinitions: []types.ContainerDefinition{{Name: ptr("a"), Image: ptr("a:1")}}}))
	ok(sim.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: ptr("app"), ContainerDefinitions: []types.ContainerDefinition{{Name: ptr("a"), Image: ptr("a:2")}}}))
	for i := range 20 {
		ok(sim.CreateService(ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr(fmt.Sprintf("s%d", i)), TaskDefinition: ptr("app:1"), DesiredCount: ptr(int32(2))}))
	}
	sim.Advance(2 * time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("s%d", i)
			up, err := sim.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr(name), TaskDefinition: ptr("app:2")})
			if err != nil {
				errs <- err
				return
			}
			arn := *up.Service.CurrentServiceDeployment
			for range 200 {
				clock.Advance(time.Second)
				out, err := sim.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}})
				if err != nil {
					errs <- err
					return
				}
				if len(out.ServiceDeployments) == 0 {
					// not visible yet (eventual consistency): MISSING, poll again
					if len(out.Failures) != 1 || deref(out.Failures[0].Reason) != "MISSING" {
						errs <- fmt.Errorf("%s: neither deployment nor MISSING: %+v", name, out.Failures)
						return
					}
					continue
				}
				if out.ServiceDeployments[0].Status == types.ServiceDeploymentStatusSuccessful {
					return
				}
			}
			errs <- fmt.Errorf("%s did not complete", name)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func isErr[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// TestStoppingTaskExplainsItself: a task asked to stop already carries its
// stop code, reason and container reason while it drains (ECS shows them as
// soon as desiredStatus is STOPPED), so a deployer can explain early.
func TestStoppingTaskExplainsItself(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.sim.InjectFault(Fault{Kind: FaultImagePull, Image: "app:v2"})
	f.deploy("app:v2", nil)
	f.sim.Advance(26 * time.Second) // provisioning 10s + pull 15s, then the pull fails
	tasks := f.stoppedTasks()
	if len(tasks) != 3 {
		t.Fatalf("%d stopping tasks, want 3", len(tasks))
	}
	for _, tk := range tasks {
		if *tk.LastStatus != "DEPROVISIONING" || tk.StoppedAt != nil || tk.StopCode != types.TaskStopCodeTaskFailedToStart ||
			!strings.HasPrefix(deref(tk.Containers[0].Reason), "CannotPullContainerError") || tk.Containers[0].ExitCode != nil {
			t.Errorf("stopping task: %s stoppedAt %v code %s container reason %q exit %v", *tk.LastStatus, tk.StoppedAt, tk.StopCode,
				deref(tk.Containers[0].Reason), tk.Containers[0].ExitCode)
		}
	}
	f.sim.Advance(time.Minute)
	for _, tk := range f.stoppedTasks() {
		if *tk.LastStatus != "STOPPED" || tk.StoppedAt == nil {
			t.Errorf("task %s not STOPPED a minute later", *tk.TaskArn)
		}
	}
}

// TestLateExitKeepsItsTime: an essential container that exits long after
// the service is steady stops at its own time, even when the clock jumps.
func TestLateExitKeepsItsTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.sim.InjectFault(Fault{Kind: FaultExit, Image: "app:v2", After: 90 * time.Minute, ExitCode: 2, Count: 1})
	arn := f.deploy("app:v2", nil)
	f.runUntil(10*time.Minute, 5*time.Second, func() bool { return f.sd(arn).Status == types.ServiceDeploymentStatusSuccessful })
	f.sim.Advance(2 * time.Hour) // stopped tasks stay listable for an hour
	var exited []types.Task
	for _, tk := range f.stoppedTasks() {
		if tk.StopCode == types.TaskStopCodeEssentialContainerExited {
			exited = append(exited, tk)
		}
	}
	if len(exited) != 1 {
		t.Fatalf("%d exited tasks, want 1", len(exited))
	}
	if got := exited[0].StoppingAt.Sub(*exited[0].StartedAt); got != 90*time.Minute {
		t.Errorf("container exited %s after start, want 1h30m", got)
	}
	if got := f.runningImages(); got["app:v2"] != 3 {
		t.Errorf("running %v, want the exited task replaced", got)
	}
}

func TestImageCheck(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(t0)
	f := &fixture{t: t, clock: clock, ctx: context.Background()}
	f.sim = New(clock, current, WithImageCheck(func(image string) error {
		if image == "app:v1" {
			return nil
		}
		return errors.New("not found")
	}))
	ok(f.sim.CreateCluster(f.ctx, &ecs.CreateClusterInput{ClusterName: ptr("c1")}))
	f.register("app:v1")
	ok(f.sim.CreateService(f.ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr("web"), TaskDefinition: ptr("web"), DesiredCount: ptr(int32(2))}))
	f.sim.Advance(2 * time.Minute)
	arn := f.deploy("app:never-pushed", cbRollback())
	f.runUntil(10*time.Minute, 5*time.Second, func() bool { return !isActive(f.sd(arn).Status) })
	if sd := f.sd(arn); sd.Status != types.ServiceDeploymentStatusRollbackSuccessful {
		t.Fatalf("status %s, want ROLLBACK_SUCCESSFUL", sd.Status)
	}
	tasks := f.stoppedTasks()
	if len(tasks) == 0 {
		t.Fatal("no stopped tasks")
	}
	want := "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref app:never-pushed: not found"
	if got := deref(tasks[0].Containers[0].Reason); got != want || deref(tasks[0].StoppedReason) != want {
		t.Errorf("container reason %q, want %q", got, want)
	}
}

func TestTagsAndFamilies(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	svcARN := *f.service().ServiceArn
	ok(f.sim.TagResource(f.ctx, &ecs.TagResourceInput{ResourceArn: &svcARN, Tags: []types.Tag{{Key: ptr("a"), Value: ptr("1")}, {Key: ptr("b"), Value: ptr("2")}}}))
	ok(f.sim.TagResource(f.ctx, &ecs.TagResourceInput{ResourceArn: &svcARN, Tags: []types.Tag{{Key: ptr("a"), Value: ptr("3")}}}))
	ok(f.sim.UntagResource(f.ctx, &ecs.UntagResourceInput{ResourceArn: &svcARN, TagKeys: []string{"b"}}))
	got := ok(f.sim.ListTagsForResource(f.ctx, &ecs.ListTagsForResourceInput{ResourceArn: &svcARN})).Tags
	if len(got) != 1 || *got[0].Key != "a" || *got[0].Value != "3" {
		t.Errorf("tags %+v, want a=3", got)
	}
	if _, err := f.sim.ListTagsForResource(f.ctx, &ecs.ListTagsForResourceInput{ResourceArn: ptr("arn:aws:ecs:us-east-1:123456789012:service/c1/ghost")}); !isErr[*types.InvalidParameterException](err) {
		t.Errorf("unknown resource: %v", err)
	}
	ok(f.sim.RegisterTaskDefinition(f.ctx, &ecs.RegisterTaskDefinitionInput{Family: ptr("worker"), ContainerDefinitions: []types.ContainerDefinition{{Name: ptr("w"), Image: ptr("w:1")}}}))
	ok(f.sim.DeregisterTaskDefinition(f.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: ptr("worker:1")}))
	for status, want := range map[types.TaskDefinitionFamilyStatus]string{"": "[web]", types.TaskDefinitionFamilyStatusInactive: "[worker]", types.TaskDefinitionFamilyStatusAll: "[web worker]"} {
		out := ok(f.sim.ListTaskDefinitionFamilies(f.ctx, &ecs.ListTaskDefinitionFamiliesInput{Status: status}))
		if fmt.Sprint(out.Families) != want {
			t.Errorf("families %q: %v, want %s", status, out.Families, want)
		}
	}
}

// Cluster settings round-trip as ECS returns them: only when included.
func TestClusterSettingsOnlyWhenIncluded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim := New(NewFakeClock(t0))
	ok(sim.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: ptr("c1"),
		Settings: []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: ptr("enhanced")}}}))
	plain := ok(sim.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"c1"}}))
	if len(plain.Clusters) != 1 || len(plain.Clusters[0].Settings) != 0 {
		t.Fatalf("settings without include: %+v", plain.Clusters)
	}
	with := ok(sim.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"c1"}, Include: []types.ClusterField{types.ClusterFieldSettings}}))
	if len(with.Clusters) != 1 || len(with.Clusters[0].Settings) != 1 ||
		with.Clusters[0].Settings[0].Name != types.ClusterSettingNameContainerInsights || *with.Clusters[0].Settings[0].Value != "enhanced" {
		t.Fatalf("settings with include: %+v", with.Clusters)
	}
}
