package ecssim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

var t0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

const tgARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"

type fixture struct {
	t     *testing.T
	sim   *Sim
	clock *FakeClock
	ctx   context.Context
}

// current makes every read current. Scenario tests that check what a
// deployment does, rather than how soon a read shows it, use it; the read
// lag has tests of its own (consistency_test.go).
var current = WithReadLag(0, 0)

// newFixture returns a simulator with cluster "c1" and service "web" (3
// tasks of web:1, image app:v1, behind a target group) at steady state.
// Reads are current unless opts say otherwise.
func newFixture(t *testing.T, cfg *types.DeploymentConfiguration, opts ...Option) *fixture {
	t.Helper()
	clock := NewFakeClock(t0)
	f := &fixture{t: t, sim: New(clock, append([]Option{current}, opts...)...), clock: clock, ctx: context.Background()}
	ok(f.sim.CreateCluster(f.ctx, &ecs.CreateClusterInput{ClusterName: ptr("c1")}))
	f.register("app:v1")
	ok(f.sim.CreateService(f.ctx, &ecs.CreateServiceInput{
		Cluster: ptr("c1"), ServiceName: ptr("web"), TaskDefinition: ptr("web"), DesiredCount: ptr(int32(3)),
		DeploymentConfiguration: cfg,
		LoadBalancers:           fixtureLBs(),
	}))
	f.sim.Advance(2 * time.Minute)
	svc := f.service()
	if svc.RunningCount != 3 || len(svc.Deployments) != 1 || f.sd(*svc.CurrentServiceDeployment).Status != types.ServiceDeploymentStatusSuccessful {
		t.Fatalf("fixture not steady: running %d, deployments %+v", svc.RunningCount, svc.Deployments)
	}
	return f
}

// fixtureLBs is the fixture service's load balancer: an ALB target group
// with the blue/green resources the traffic-shifting strategies need.
func fixtureLBs() []types.LoadBalancer {
	return []types.LoadBalancer{{TargetGroupArn: ptr(tgARN), ContainerName: ptr("app"), ContainerPort: ptr(int32(8080)),
		AdvancedConfiguration: &types.AdvancedConfiguration{
			AlternateTargetGroupArn: ptr(tgARN + "-green"),
			ProductionListenerRule:  ptr("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/3"),
			RoleArn:                 ptr("arn:aws:iam::123456789012:role/ecsInfrastructure"),
		}}}
}

// ok returns v, and panics on an unexpected error (a test cannot pass an
// error-returning call's two results to t.Fatal helpers in one expression).
func ok[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func (f *fixture) register(image string) string {
	out := ok(f.sim.RegisterTaskDefinition(f.ctx, &ecs.RegisterTaskDefinitionInput{
		Family: ptr("web"), Cpu: ptr("256"), Memory: ptr("512"), NetworkMode: types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		ContainerDefinitions: []types.ContainerDefinition{{Name: ptr("app"), Image: ptr(image), Essential: ptr(true),
			PortMappings: []types.PortMapping{{ContainerPort: ptr(int32(8080))}}}},
	}))
	return *out.TaskDefinition.TaskDefinitionArn
}

func (f *fixture) service() types.Service {
	out := ok(f.sim.DescribeServices(f.ctx, &ecs.DescribeServicesInput{Cluster: ptr("c1"), Services: []string{"web"}}))
	return out.Services[0]
}

// deploy registers image as a new revision and updates the service to it,
// returning the service deployment ARN.
func (f *fixture) deploy(image string, cfg *types.DeploymentConfiguration) string {
	arn := f.register(image)
	out := ok(f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), TaskDefinition: ptr(arn), DeploymentConfiguration: cfg}))
	return *out.Service.CurrentServiceDeployment
}

func (f *fixture) sd(arn string) types.ServiceDeployment {
	out := ok(f.sim.DescribeServiceDeployments(f.ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}}))
	if len(out.ServiceDeployments) != 1 {
		f.t.Fatalf("service deployment %s not found: %+v", arn, out.Failures)
	}
	return out.ServiceDeployments[0]
}

// runUntil advances in steps of d until cond holds or limit passes.
func (f *fixture) runUntil(limit, step time.Duration, cond func() bool) time.Duration {
	f.t.Helper()
	start := f.sim.Now()
	for !cond() {
		if f.sim.Now().Sub(start) > limit {
			f.t.Fatalf("condition not reached within %s", limit)
		}
		f.sim.Advance(step)
	}
	return f.sim.Now().Sub(start)
}

func (f *fixture) events() string {
	var b strings.Builder
	evs := f.service().Events
	for i := len(evs) - 1; i >= 0; i-- {
		fmt.Fprintln(&b, *evs[i].Message)
	}
	return b.String()
}

func (f *fixture) runningImages() map[string]int {
	out := map[string]int{}
	lt := ok(f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("c1"), ServiceName: ptr("web")}))
	if len(lt.TaskArns) == 0 {
		return out
	}
	dt := ok(f.sim.DescribeTasks(f.ctx, &ecs.DescribeTasksInput{Cluster: ptr("c1"), Tasks: lt.TaskArns}))
	for _, t := range dt.Tasks {
		if *t.LastStatus == "RUNNING" {
			out[*t.Containers[0].Image]++
		}
	}
	return out
}

func (f *fixture) stoppedTasks() []types.Task {
	lt := ok(f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("c1"), ServiceName: ptr("web"), DesiredStatus: types.DesiredStatusStopped}))
	if len(lt.TaskArns) == 0 {
		return nil
	}
	dt := ok(f.sim.DescribeTasks(f.ctx, &ecs.DescribeTasksInput{Cluster: ptr("c1"), Tasks: lt.TaskArns}))
	return dt.Tasks
}

func TestRollingDeploymentCompletes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	arn := f.deploy("app:v2", nil)
	f.runUntil(10*time.Minute, 5*time.Second, func() bool { return f.sd(arn).Status == types.ServiceDeploymentStatusSuccessful })
	svc := f.service()
	if len(svc.Deployments) != 1 || svc.Deployments[0].RolloutState != types.DeploymentRolloutStateCompleted || !strings.HasSuffix(*svc.TaskDefinition, "web:2") {
		t.Fatalf("deployments after completion: %+v", svc.Deployments)
	}
	if got := f.runningImages(); got["app:v2"] != 3 || len(got) != 1 {
		t.Fatalf("running images %v, want 3 x app:v2", got)
	}
	t.Log(f.events())
}

func cbRollback() *types.DeploymentConfiguration {
	return &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}
}

func TestFailuresRollBackOrStop(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		fault      Fault
		cfg        *types.DeploymentConfiguration
		wantStatus types.ServiceDeploymentStatus
		stopCode   types.TaskStopCode
		reason     string
		exitCode   *int32
		event      string
	}{
		{
			name:       "essential container exits, circuit breaker rolls back",
			fault:      Fault{Kind: FaultExit, Image: "app:v2", ExitCode: 137, After: 5 * time.Second},
			cfg:        cbRollback(),
			wantStatus: types.ServiceDeploymentStatusRollbackSuccessful,
			stopCode:   types.TaskStopCodeEssentialContainerExited,
			reason:     "Essential container in task exited",
			exitCode:   ptr(int32(137)),
			event:      "deployment failed: tasks failed to start.",
		},
		{
			name:       "image pull error, circuit breaker rolls back",
			fault:      Fault{Kind: FaultImagePull, Image: "*:v2"},
			cfg:        cbRollback(),
			wantStatus: types.ServiceDeploymentStatusRollbackSuccessful,
			stopCode:   types.TaskStopCodeTaskFailedToStart,
			reason:     "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref app:v2: not found",
			event:      "rolling back to deployment",
		},
		{
			name:       "failing target health, circuit breaker rolls back",
			fault:      Fault{Kind: FaultUnhealthy, TaskDefinition: "web:2"},
			cfg:        cbRollback(),
			wantStatus: types.ServiceDeploymentStatusRollbackSuccessful,
			stopCode:   types.TaskStopCodeServiceSchedulerInitiated,
			reason:     "Task failed ELB health checks in (target-group " + tgARN + ")",
			event:      "is unhealthy in (target-group " + tgARN + ") due to (reason Health checks failed).",
		},
		{
			name:       "image pull error, circuit breaker without rollback",
			fault:      Fault{Kind: FaultImagePull, Image: "app:v2"},
			cfg:        &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true}},
			wantStatus: types.ServiceDeploymentStatusStopped,
			stopCode:   types.TaskStopCodeTaskFailedToStart,
			reason:     "CannotPullContainerError",
			event:      "deployment failed: tasks failed to start.",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.cfg)
			f.sim.InjectFault(tc.fault)
			arn := f.deploy("app:v2", nil)
			f.runUntil(30*time.Minute, 5*time.Second, func() bool { return !isActive(f.sd(arn).Status) })
			f.sim.Advance(time.Minute)
			sd := f.sd(arn)
			if sd.Status != tc.wantStatus {
				t.Fatalf("status %s (%s), want %s\n%s", sd.Status, deref(sd.StatusReason), tc.wantStatus, f.events())
			}
			if sd.DeploymentCircuitBreaker.Threshold != 3 || sd.DeploymentCircuitBreaker.FailureCount < 3 ||
				sd.DeploymentCircuitBreaker.Status != types.ServiceDeploymentRollbackMonitorsStatusTriggered {
				t.Errorf("circuit breaker %+v, want threshold 3, >= 3 failures, TRIGGERED", *sd.DeploymentCircuitBreaker)
			}
			// the old revision never stopped serving: minimumHealthyPercent 100
			if got := f.runningImages(); got["app:v1"] != 3 || got["app:v2"] != 0 {
				t.Errorf("running images %v, want 3 x app:v1 only", got)
			}
			if !strings.Contains(f.events(), tc.event) {
				t.Errorf("events lack %q:\n%s", tc.event, f.events())
			}
			var failed []types.Task
			for _, st := range f.stoppedTasks() {
				if !strings.HasPrefix(deref(st.StoppedReason), "Scaling activity") {
					failed = append(failed, st)
				}
			}
			if len(failed) < 3 {
				t.Fatalf("%d failed tasks, want >= 3", len(failed))
			}
			st := failed[0]
			if st.StopCode != tc.stopCode || !strings.HasPrefix(deref(st.StoppedReason), tc.reason) {
				t.Errorf("stopped task: code %s reason %q, want %s %q", st.StopCode, deref(st.StoppedReason), tc.stopCode, tc.reason)
			}
			if tc.exitCode != nil && (st.Containers[0].ExitCode == nil || *st.Containers[0].ExitCode != *tc.exitCode) {
				t.Errorf("exit code %v, want %d", st.Containers[0].ExitCode, *tc.exitCode)
			}
			svc := f.service()
			if tc.wantStatus == types.ServiceDeploymentStatusRollbackSuccessful {
				if !strings.HasSuffix(*svc.TaskDefinition, "web:1") || len(svc.Deployments) != 1 ||
					svc.Deployments[0].RolloutState != types.DeploymentRolloutStateCompleted {
					t.Errorf("after rollback: task definition %s, deployments %+v", *svc.TaskDefinition, svc.Deployments)
				}
				if sd.Rollback == nil || sd.Rollback.ServiceRevisionArn == nil {
					t.Errorf("rollback details missing: %+v", sd.Rollback)
				}
			} else if svc.Deployments[0].RolloutState != types.DeploymentRolloutStateFailed {
				t.Errorf("primary deployment %+v, want FAILED", svc.Deployments[0])
			}
		})
	}
}

func isActive(st types.ServiceDeploymentStatus) bool {
	switch st {
	case types.ServiceDeploymentStatusPending, types.ServiceDeploymentStatusInProgress, types.ServiceDeploymentStatusStopRequested,
		types.ServiceDeploymentStatusRollbackRequested, types.ServiceDeploymentStatusRollbackInProgress:
		return true
	}
	return false
}

func TestImagePullWithoutCircuitBreakerKeepsTrying(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.sim.InjectFault(Fault{Kind: FaultImagePull, Image: "app:v2"})
	arn := f.deploy("app:v2", nil)
	f.sim.Advance(10 * time.Minute)
	sd := f.sd(arn)
	svc := f.service()
	if sd.Status != types.ServiceDeploymentStatusInProgress || svc.Deployments[0].RolloutState != types.DeploymentRolloutStateInProgress {
		t.Fatalf("status %s / %s, want IN_PROGRESS (ECS retries forever without a circuit breaker)", sd.Status, svc.Deployments[0].RolloutState)
	}
	if svc.Deployments[0].FailedTasks < 10 {
		t.Errorf("failedTasks %d, want the count to grow while ECS keeps retrying", svc.Deployments[0].FailedTasks)
	}
	if got := f.runningImages(); got["app:v1"] != 3 {
		t.Errorf("running %v, want the old revision kept at 3", got)
	}
}

func TestCircuitBreakerThreshold(t *testing.T) {
	t.Parallel()
	cases := []struct {
		desired int32
		cb      *types.DeploymentCircuitBreaker
		want    int32
	}{
		{1, nil, 3}, {4, nil, 3}, {7, nil, 4}, {10, nil, 5}, {1000, nil, 200},
		{10, &types.DeploymentCircuitBreaker{ThresholdConfiguration: &types.ThresholdConfiguration{Type: types.ThresholdTypeCount, Value: 2}}, 2},
	}
	for _, tc := range cases {
		if got := circuitBreakerThreshold(tc.cb, tc.desired); got != tc.want {
			t.Errorf("desired %d: threshold %d, want %d", tc.desired, got, tc.want)
		}
	}
}

func TestCircuitBreakerResetOnHealthyTask(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		reset *bool
		want  int32
	}{
		{"default resets", nil, 0},
		{"no reset", ptr(false), 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			f.sim.InjectFault(Fault{Kind: FaultImagePull, Image: "app:v2", Count: 2}) // two flaky starts, below the threshold of 3
			arn := f.deploy("app:v2", &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true, ResetOnHealthyTask: tc.reset}})
			f.runUntil(10*time.Minute, 5*time.Second, func() bool { return !isActive(f.sd(arn).Status) })
			sd := f.sd(arn)
			if sd.Status != types.ServiceDeploymentStatusSuccessful || sd.DeploymentCircuitBreaker.FailureCount != tc.want {
				t.Errorf("status %s, failure count %d; want SUCCESSFUL with %d", sd.Status, sd.DeploymentCircuitBreaker.FailureCount, tc.want)
			}
			// Deployment.FailedTasks resets to 0 once the deployment has a
			// running task, whatever resetOnHealthyTask says
			if got := f.service().Deployments[0].FailedTasks; got != 0 {
				t.Errorf("failedTasks %d, want 0 (reset by the first running task)", got)
			}
		})
	}
}
