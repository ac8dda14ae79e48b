package ecssim

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"
)

// failedTasks returns the FailedTasks of the deployment running image's
// revision, as DescribeServices shows it.
func (f *fixture) failedTasks(taskDef string) int32 {
	for _, d := range f.service().Deployments {
		if *d.TaskDefinition == taskDef {
			return d.FailedTasks
		}
	}
	f.t.Fatalf("no deployment of %s", taskDef)
	return 0
}

// TestFailedTasksStopsAtTheFirstRunningTask: failedTasks counts consecutive
// failures and, once the deployment has a running task, is 0 and no longer
// evaluated, even while later tasks fail their health checks.
func TestFailedTasksStopsAtTheFirstRunningTask(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault Fault
		// want is the failedTasks after 10 minutes: nil for "at least 10"
		want *int32
	}{
		{name: "never starts: keeps counting", fault: Fault{Kind: FaultImagePull, Image: "app:v2"}},
		{name: "runs, then fails health checks: 0", fault: Fault{Kind: FaultUnhealthy, Image: "app:v2"}, want: ptr(int32(0))},
		{name: "two flaky starts, then runs: 0", fault: Fault{Kind: FaultImagePull, Image: "app:v2", Count: 2}, want: ptr(int32(0))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil) // no circuit breaker: ECS keeps replacing tasks
			f.sim.InjectFault(tc.fault)
			f.deploy("app:v2", nil)
			td := *f.service().TaskDefinition
			f.sim.Advance(10 * time.Minute)
			stopped := 0
			for _, st := range f.stoppedTasks() {
				if *st.TaskDefinitionArn == td && !strings.HasPrefix(deref(st.StoppedReason), "Scaling activity") {
					stopped++
				}
			}
			require.GreaterOrEqual(t, stopped, 2, "tasks failed")
			got := f.failedTasks(td)
			if tc.want == nil {
				require.GreaterOrEqual(t, got, int32(10))
				return
			}
			require.Equal(t, *tc.want, got)
		})
	}
}

// TestCircuitBreakerStages: stage 1 counts tasks that never reach RUNNING;
// stage 2 counts tasks stopped before they pass their health checks. A
// task that passed its health checks and stops later is not a failure, so
// the circuit breaker never trips on it.
func TestCircuitBreakerStages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		fault   Fault
		tripped bool
	}{
		{name: "stage 1: image pull", fault: Fault{Kind: FaultImagePull, Image: "app:v2"}, tripped: true},
		{name: "stage 2: failing health checks", fault: Fault{Kind: FaultUnhealthy, Image: "app:v2"}, tripped: true},
		{name: "stage 2: exit before healthy", fault: Fault{Kind: FaultExit, Image: "app:v2", After: 5 * time.Second}, tripped: true},
		{name: "exit after passing health checks", fault: Fault{Kind: FaultExit, Image: "app:v2", After: 2 * time.Minute}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, cbRollback())
			f.sim.InjectFault(tc.fault)
			arn := f.deploy("app:v2", nil)
			f.sim.Advance(15 * time.Minute)
			sd := f.sd(arn)
			if tc.tripped {
				require.Equal(t, types.ServiceDeploymentRollbackMonitorsStatusTriggered, sd.DeploymentCircuitBreaker.Status)
				require.Equal(t, types.ServiceDeploymentStatusRollbackSuccessful, sd.Status)
				return
			}
			require.NotEqual(t, types.ServiceDeploymentRollbackMonitorsStatusTriggered, sd.DeploymentCircuitBreaker.Status, "status %s", sd.Status)
			require.Equal(t, int32(0), sd.DeploymentCircuitBreaker.FailureCount)
			require.NotContains(t, []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusRollbackSuccessful, types.ServiceDeploymentStatusRollbackInProgress}, sd.Status)
		})
	}
}
