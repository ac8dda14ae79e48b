package ecssim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

func prodWeight(sd types.ServiceDeployment) float64 {
	return deref(sd.TargetServiceRevision.RequestedProductionTrafficWeight)
}

func TestAlarmMidCanaryRollsBack(t *testing.T) {
	t.Parallel()
	cfg := &types.DeploymentConfiguration{
		Strategy:            types.DeploymentStrategyCanary,
		CanaryConfiguration: &types.CanaryConfiguration{CanaryPercent: ptr(10.0), CanaryBakeTimeInMinutes: ptr(int32(5))},
		BakeTimeInMinutes:   ptr(int32(2)),
		Alarms:              &types.DeploymentAlarms{AlarmNames: []string{"web-5xx"}, Enable: true, Rollback: true},
	}
	f := newFixture(t, nil)
	arn := f.deploy("app:v2", cfg)
	f.runUntil(10*time.Minute, 5*time.Second, func() bool { return prodWeight(f.sd(arn)) == 10 })
	sd := f.sd(arn)
	if sd.LifecycleStage != types.ServiceDeploymentLifecycleStageProductionTrafficShift || sd.Alarms.Status != types.ServiceDeploymentRollbackMonitorsStatusMonitoring {
		t.Fatalf("canary at 10%%: stage %s alarms %s", sd.LifecycleStage, sd.Alarms.Status)
	}
	// both revisions run at full size during a canary
	if got := f.runningImages(); got["app:v1"] != 3 || got["app:v2"] != 3 {
		t.Fatalf("running %v, want 3 + 3 during canary", got)
	}
	f.sim.Advance(time.Minute)
	f.sim.SetAlarmState("web-5xx", "ALARM")
	if f.sim.AlarmState("web-5xx") != "ALARM" {
		t.Fatal("AlarmState does not report the state just set")
	}
	f.runUntil(5*time.Minute, 5*time.Second, func() bool { return !isActive(f.sd(arn).Status) })
	f.sim.Advance(time.Minute)
	sd = f.sd(arn)
	if sd.Status != types.ServiceDeploymentStatusRollbackSuccessful {
		t.Fatalf("status %s, want ROLLBACK_SUCCESSFUL\n%s", sd.Status, f.events())
	}
	if sd.Alarms.Status != types.ServiceDeploymentRollbackMonitorsStatusTriggered || len(sd.Alarms.TriggeredAlarmNames) != 1 || sd.Alarms.TriggeredAlarmNames[0] != "web-5xx" {
		t.Errorf("alarms %+v, want TRIGGERED by web-5xx", *sd.Alarms)
	}
	if !strings.Contains(deref(sd.Rollback.Reason), "web-5xx") {
		t.Errorf("rollback reason %q does not name the alarm", deref(sd.Rollback.Reason))
	}
	if got := f.runningImages(); got["app:v1"] != 3 || got["app:v2"] != 0 {
		t.Errorf("running %v, want app:v1 only", got)
	}
	if svc := f.service(); !strings.HasSuffix(*svc.TaskDefinition, "web:1") {
		t.Errorf("service task definition %s, want web:1", *svc.TaskDefinition)
	}
	if !strings.Contains(f.events(), "deployment failed: alarm detected.") {
		t.Errorf("events lack the alarm failure:\n%s", f.events())
	}
}

func TestLinearSteps(t *testing.T) {
	t.Parallel()
	cfg := &types.DeploymentConfiguration{
		Strategy:            types.DeploymentStrategyLinear,
		LinearConfiguration: &types.LinearConfiguration{StepPercent: ptr(25.0), StepBakeTimeInMinutes: ptr(int32(2))},
	}
	f := newFixture(t, nil)
	arn := f.deploy("app:v2", cfg)
	var weights []float64
	var at []time.Time
	f.runUntil(30*time.Minute, 10*time.Second, func() bool {
		sd := f.sd(arn)
		if w := prodWeight(sd); len(weights) == 0 && w > 0 || len(weights) > 0 && w != weights[len(weights)-1] {
			weights = append(weights, w)
			at = append(at, f.sim.Now())
		}
		return sd.Status == types.ServiceDeploymentStatusSuccessful
	})
	want := []float64{25, 50, 75, 100}
	if len(weights) != len(want) {
		t.Fatalf("weights %v, want %v", weights, want)
	}
	for i := range want {
		if weights[i] != want[i] {
			t.Fatalf("weights %v, want %v", weights, want)
		}
		if i > 0 && at[i].Sub(at[i-1]) < 2*time.Minute {
			t.Errorf("step %d came %s after the previous one, want >= the 2m step bake", i, at[i].Sub(at[i-1]))
		}
	}
	if got := f.runningImages(); got["app:v2"] != 3 || got["app:v1"] != 0 {
		t.Errorf("running %v, want app:v2 only", got)
	}
}

func TestBlueGreenBakeTime(t *testing.T) {
	t.Parallel()
	cfg := &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyBlueGreen, BakeTimeInMinutes: ptr(int32(3))}
	f := newFixture(t, nil)
	arn := f.deploy("app:v2", cfg)
	f.runUntil(10*time.Minute, time.Second, func() bool { return prodWeight(f.sd(arn)) == 100 })
	shifted := f.sim.Now()
	f.sim.Advance(time.Minute)
	sd := f.sd(arn)
	if sd.LifecycleStage != types.ServiceDeploymentLifecycleStageBakeTime || sd.Status != types.ServiceDeploymentStatusInProgress {
		t.Fatalf("one minute after the shift: stage %s status %s, want BAKE_TIME IN_PROGRESS", sd.LifecycleStage, sd.Status)
	}
	if got := f.runningImages(); got["app:v1"] != 3 || got["app:v2"] != 3 {
		t.Fatalf("running %v during bake, want blue and green both at 3", got)
	}
	if len(sd.SourceServiceRevisions) != 1 || deref(sd.SourceServiceRevisions[0].RequestedProductionTrafficWeight) != 0 {
		t.Errorf("source revisions %+v, want blue with 0%% production traffic", sd.SourceServiceRevisions)
	}
	f.runUntil(10*time.Minute, time.Second, func() bool { return f.sd(arn).Status == types.ServiceDeploymentStatusSuccessful })
	if d := f.sim.Now().Sub(shifted); d < 3*time.Minute {
		t.Errorf("completed %s after the traffic shift, want >= 3m bake", d)
	}
	f.sim.Advance(time.Minute)
	if got := f.runningImages(); got["app:v2"] != 3 || got["app:v1"] != 0 {
		t.Errorf("running %v, want green only", got)
	}
}

func TestPauseHook(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		action types.DeploymentLifecycleHookAction
		want   types.ServiceDeploymentStatus
		image  string
	}{
		{"continue", types.DeploymentLifecycleHookActionContinue, types.ServiceDeploymentStatusSuccessful, "app:v2"},
		{"rollback", types.DeploymentLifecycleHookActionRollback, types.ServiceDeploymentStatusRollbackSuccessful, "app:v1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := &types.DeploymentConfiguration{
				Strategy:          types.DeploymentStrategyBlueGreen,
				BakeTimeInMinutes: ptr(int32(0)),
				LifecycleHooks: []types.DeploymentLifecycleHook{{
					TargetType:      types.DeploymentLifecycleHookTargetTypePause,
					LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePostTestTrafficShift},
				}},
			}
			f := newFixture(t, nil)
			arn := f.deploy("app:v2", cfg)
			f.runUntil(10*time.Minute, 5*time.Second, func() bool {
				h := f.sd(arn).LifecycleHookDetails
				return len(h) == 1 && h[0].Status == types.DeploymentLifecycleHookStatusAwaitingAction
			})
			f.sim.Advance(30 * time.Minute) // a pause waits for an answer
			sd := f.sd(arn)
			if sd.Status != types.ServiceDeploymentStatusInProgress || sd.LifecycleStage != types.ServiceDeploymentLifecycleStagePostTestTrafficShift || prodWeight(sd) != 0 {
				t.Fatalf("paused deployment: status %s stage %s weight %v", sd.Status, sd.LifecycleStage, prodWeight(sd))
			}
			hook := sd.LifecycleHookDetails[0]
			if hook.ExpiresAt == nil || hook.TimeoutAction != types.DeploymentLifecycleHookActionRollback {
				t.Errorf("hook detail %+v, want an expiry and the ROLLBACK default", hook)
			}
			_, err := f.sim.ContinueServiceDeployment(f.ctx, &ecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: ptr(arn), HookId: ptr("nope"), Action: tc.action})
			var invalid *types.InvalidParameterException
			if !errors.As(err, &invalid) {
				t.Errorf("continue with an unknown hook id: %v, want InvalidParameterException", err)
			}
			_, err = f.sim.ContinueServiceDeployment(f.ctx, &ecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: ptr(arn), Action: tc.action})
			if !errors.As(err, &invalid) {
				t.Errorf("continue without a hook id: %v, want InvalidParameterException", err)
			}
			ok(f.sim.ContinueServiceDeployment(f.ctx, &ecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: ptr(arn), HookId: hook.HookId, Action: tc.action}))
			f.runUntil(10*time.Minute, 5*time.Second, func() bool { return !isActive(f.sd(arn).Status) })
			f.sim.Advance(time.Minute)
			if st := f.sd(arn).Status; st != tc.want {
				t.Fatalf("status %s, want %s\n%s", st, tc.want, f.events())
			}
			if got := f.runningImages(); got[tc.image] != 3 || len(got) != 1 {
				t.Errorf("running %v, want 3 x %s", got, tc.image)
			}
		})
	}
}

func TestPauseHookTimesOut(t *testing.T) {
	t.Parallel()
	cfg := &types.DeploymentConfiguration{
		Strategy: types.DeploymentStrategyCanary,
		LifecycleHooks: []types.DeploymentLifecycleHook{{
			TargetType:           types.DeploymentLifecycleHookTargetTypePause,
			LifecycleStages:      []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePreScaleUp},
			TimeoutConfiguration: &types.DeploymentLifecycleHookTimeoutConfiguration{TimeoutInMinutes: ptr(int32(10))},
		}},
	}
	f := newFixture(t, nil)
	arn := f.deploy("app:v2", cfg)
	f.sim.Advance(9 * time.Minute)
	if sd := f.sd(arn); sd.Status != types.ServiceDeploymentStatusInProgress || sd.LifecycleStage != types.ServiceDeploymentLifecycleStagePreScaleUp {
		t.Fatalf("before the timeout: %s %s", sd.Status, sd.LifecycleStage)
	}
	f.sim.Advance(3 * time.Minute)
	sd := f.sd(arn)
	if sd.Status != types.ServiceDeploymentStatusRollbackSuccessful || sd.LifecycleHookDetails[0].Status != types.DeploymentLifecycleHookStatusTimedOut {
		t.Fatalf("after the timeout: %s, hook %s", sd.Status, sd.LifecycleHookDetails[0].Status)
	}
}

func TestPauseHookRejectedAtTrafficShift(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.register("app:v2")
	_, err := f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), TaskDefinition: ptr("web:2"),
		DeploymentConfiguration: &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyBlueGreen, LifecycleHooks: []types.DeploymentLifecycleHook{{
			TargetType: types.DeploymentLifecycleHookTargetTypePause, LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStageProductionTrafficShift},
		}}}})
	var ip *types.InvalidParameterException
	if !errors.As(err, &ip) {
		t.Fatalf("err %v, want InvalidParameterException", err)
	}
	if st := f.service(); !strings.HasSuffix(*st.TaskDefinition, "web:1") {
		t.Errorf("a rejected update changed the service to %s", *st.TaskDefinition)
	}
}

func TestStopServiceDeployment(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		stopType types.StopServiceDeploymentStopType
		want     types.ServiceDeploymentStatus
	}{
		{"rollback", types.StopServiceDeploymentStopTypeRollback, types.ServiceDeploymentStatusRollbackSuccessful},
		{"abort", types.StopServiceDeploymentStopTypeAbort, types.ServiceDeploymentStatusStopped},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			f.sim.InjectFault(Fault{Kind: FaultSlowStart, Image: "app:v2", After: 5 * time.Minute})
			arn := f.deploy("app:v2", nil)
			f.sim.Advance(time.Minute)
			ok(f.sim.StopServiceDeployment(f.ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: ptr(arn), StopType: tc.stopType}))
			f.sim.Advance(2 * time.Minute)
			sd := f.sd(arn)
			if sd.Status != tc.want {
				t.Fatalf("status %s, want %s\n%s", sd.Status, tc.want, f.events())
			}
			if tc.stopType == types.StopServiceDeploymentStopTypeRollback {
				if got := f.runningImages(); got["app:v1"] != 3 || len(got) != 1 {
					t.Errorf("running %v, want app:v1 only", got)
				}
			}
			_, err := f.sim.StopServiceDeployment(f.ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: ptr(arn)})
			var conflict *types.ConflictException
			if !errors.As(err, &conflict) {
				t.Errorf("stopping a finished deployment: %v, want ConflictException", err)
			}
		})
	}
}

func TestThrottling(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.sim.ResetCalls()
	f.sim.Throttle("DescribeServices", 2)
	for i := range 2 {
		_, err := f.sim.DescribeServices(f.ctx, &ecs.DescribeServicesInput{Cluster: ptr("c1"), Services: []string{"web"}})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || ae.ErrorMessage() != "Rate exceeded" {
			t.Fatalf("call %d: err %v, want ThrottlingException: Rate exceeded", i, err)
		}
	}
	f.service() // third call passes
	ok(f.sim.ListTasks(context.Background(), &ecs.ListTasksInput{Cluster: ptr("c1")}))
	calls := f.sim.Calls()
	if calls["DescribeServices"] != 3 || calls["ListTasks"] != 1 || f.sim.TotalCalls() != 4 {
		t.Errorf("calls %v total %d, want DescribeServices 3, ListTasks 1, total 4", calls, f.sim.TotalCalls())
	}
	f.sim.Throttle("*", 1)
	if _, err := f.sim.ListTasks(context.Background(), &ecs.ListTasksInput{Cluster: ptr("c1")}); err == nil {
		t.Error("wildcard throttle did not apply")
	}
}

func TestDeregisterRevisionStillInUse(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	out := ok(f.sim.DeregisterTaskDefinition(f.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: ptr("web:1")}))
	if out.TaskDefinition.Status != types.TaskDefinitionStatusInactive || out.TaskDefinition.DeregisteredAt == nil {
		t.Fatalf("deregistered revision %+v, want INACTIVE with a timestamp", out.TaskDefinition.Status)
	}
	if got := f.sim.DeregisteredInUse(); len(got) != 1 || !strings.HasSuffix(got[0], "task-definition/web:1") {
		t.Errorf("DeregisteredInUse %v, want web:1 recorded", got)
	}
	// as on ECS the service keeps running the inactive revision and can scale it
	ok(f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), DesiredCount: ptr(int32(5))}))
	f.sim.Advance(2 * time.Minute)
	if got := f.runningImages(); got["app:v1"] != 5 {
		t.Errorf("running %v, want 5 x app:v1 from the inactive revision", got)
	}
	// but nobody can deploy it again, and the family no longer resolves to it
	_, err := f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), TaskDefinition: ptr("web:1"), ForceNewDeployment: true})
	var ce *types.ClientException
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "inactive") {
		t.Errorf("deploying an inactive revision: %v, want ClientException inactive", err)
	}
	if _, err := f.sim.DescribeTaskDefinition(f.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: ptr("web")}); err == nil {
		t.Error("family web resolved although its only revision is INACTIVE")
	}
	d := ok(f.sim.DescribeTaskDefinition(f.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: ptr("web:1")}))
	if d.TaskDefinition.Status != types.TaskDefinitionStatusInactive {
		t.Errorf("web:1 status %s, want INACTIVE", d.TaskDefinition.Status)
	}
	active := ok(f.sim.ListTaskDefinitions(f.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: ptr("web")}))
	if len(active.TaskDefinitionArns) != 0 {
		t.Errorf("ACTIVE list %v, want empty", active.TaskDefinitionArns)
	}
}

func TestFargateSizesValidated(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cpu, mem string
		ok       bool
	}{
		{"256", "512", true}, {"1 vCPU", "2 GB", true}, {"2048", "4096", true}, {"8192", "20480", true},
		{"123", "7", false}, {"256", "4096", false}, {"8192", "17408", false},
	}
	sim := New(NewFakeClock(t0))
	for _, tc := range cases {
		_, err := sim.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
			Family: ptr("x"), Cpu: ptr(tc.cpu), Memory: ptr(tc.mem), NetworkMode: types.NetworkModeAwsvpc,
			RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
			ContainerDefinitions:    []types.ContainerDefinition{{Name: ptr("a"), Image: ptr("a")}},
		})
		if (err == nil) != tc.ok {
			t.Errorf("cpu %s memory %s: err %v, want ok=%v", tc.cpu, tc.mem, err, tc.ok)
		}
	}
}

// TestDeterministic runs the same failing scenario twice and expects the
// very same events, IDs included.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	run := func() string {
		f := newFixture(t, cbRollback())
		f.sim.InjectFault(Fault{Kind: FaultExit, Image: "app:v2", Count: 2})
		f.deploy("app:v2", nil)
		f.sim.Advance(15 * time.Minute)
		return f.events()
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("two identical runs differ:\n%s\n---\n%s", a, b)
	}
	if !strings.Contains(a, "deployment completed") {
		t.Errorf("flaky start (2 failures, threshold 3) should still complete:\n%s", a)
	}
}

// TestCreateServiceWithNativeStrategy: a new service has nothing to shift
// traffic from, so its first deployment completes without pausing.
func TestCreateServiceWithNativeStrategy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &types.DeploymentConfiguration{
		Strategy: types.DeploymentStrategyBlueGreen, BakeTimeInMinutes: ptr(int32(30)),
		LifecycleHooks: []types.DeploymentLifecycleHook{{TargetType: types.DeploymentLifecycleHookTargetTypePause,
			LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePreScaleUp}}},
	}) // newFixture asserts the service is steady after 2 minutes
	// the next deployment uses the strategy and pauses at its hook
	arn := f.deploy("app:v2", nil)
	f.sim.Advance(5 * time.Minute)
	if sd := f.sd(arn); sd.LifecycleStage != types.ServiceDeploymentLifecycleStagePreScaleUp || len(sd.LifecycleHookDetails) != 1 {
		t.Fatalf("second deployment: stage %s hooks %d, want paused at PRE_SCALE_UP", sd.LifecycleStage, len(sd.LifecycleHookDetails))
	}
}

func TestAbortNativeDeploymentKeepsBothRevisions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	arn := f.deploy("app:v2", &types.DeploymentConfiguration{
		Strategy:            types.DeploymentStrategyCanary,
		CanaryConfiguration: &types.CanaryConfiguration{CanaryPercent: ptr(20.0), CanaryBakeTimeInMinutes: ptr(int32(10))},
	})
	f.runUntil(10*time.Minute, 5*time.Second, func() bool { return prodWeight(f.sd(arn)) == 20 })
	ok(f.sim.StopServiceDeployment(f.ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: ptr(arn), StopType: types.StopServiceDeploymentStopTypeAbort}))
	f.sim.Advance(30 * time.Minute)
	sd := f.sd(arn)
	if sd.Status != types.ServiceDeploymentStatusStopped || prodWeight(sd) != 20 {
		t.Fatalf("aborted canary: %s at %v%%, want STOPPED at 20%%", sd.Status, prodWeight(sd))
	}
	if got := f.runningImages(); got["app:v1"] != 3 || got["app:v2"] != 3 {
		t.Errorf("running %v, want both revisions kept", got)
	}
}

// TestPauseBeforeEveryTrafficStep: a PRE_PRODUCTION_TRAFFIC_SHIFT hook
// pauses before each step of a canary, with a fresh hook ID each time.
func TestPauseBeforeEveryTrafficStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	arn := f.deploy("app:v2", &types.DeploymentConfiguration{
		Strategy:            types.DeploymentStrategyCanary,
		CanaryConfiguration: &types.CanaryConfiguration{CanaryPercent: ptr(10.0), CanaryBakeTimeInMinutes: ptr(int32(1))},
		LifecycleHooks: []types.DeploymentLifecycleHook{{TargetType: types.DeploymentLifecycleHookTargetTypePause,
			LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePreProductionTrafficShift}}},
	})
	var weights []float64
	seen := map[string]bool{}
	f.runUntil(30*time.Minute, 5*time.Second, func() bool {
		sd := f.sd(arn)
		for _, h := range sd.LifecycleHookDetails {
			if h.Status == types.DeploymentLifecycleHookStatusAwaitingAction && !seen[*h.HookId] {
				seen[*h.HookId] = true
				weights = append(weights, prodWeight(sd))
				ok(f.sim.ContinueServiceDeployment(f.ctx, &ecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: ptr(arn), HookId: h.HookId, Action: types.DeploymentLifecycleHookActionContinue}))
			}
		}
		return sd.Status == types.ServiceDeploymentStatusSuccessful
	})
	if len(weights) != 2 || weights[0] != 0 || weights[1] != 10 {
		t.Fatalf("paused at production weights %v, want [0 10]", weights)
	}
}
