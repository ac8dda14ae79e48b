package ecssim

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"
)

const hookFn = "arn:aws:lambda:us-east-1:123456789012:function:smoke-test"

func lambdaHookConfig(timeout *types.DeploymentLifecycleHookTimeoutConfiguration) *types.DeploymentConfiguration {
	return &types.DeploymentConfiguration{
		Strategy: types.DeploymentStrategyCanary,
		LifecycleHooks: []types.DeploymentLifecycleHook{{
			TargetType: types.DeploymentLifecycleHookTargetTypeAwsLambda, HookTargetArn: ptr(hookFn),
			LifecycleStages:      []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePostTestTrafficShift},
			TimeoutConfiguration: timeout,
		}},
	}
}

// TestLambdaHookTakesTime: a hook function that needs two minutes answers
// IN_PROGRESS and is invoked again every callBackDelay (30 s by default)
// until it succeeds; the deployment waits at the stage meanwhile.
func TestLambdaHookTakesTime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		delay time.Duration
		gap   time.Duration
	}{
		{name: "default callBackDelay", gap: DefaultCallBackDelay},
		{name: "callBackDelay 10 s", delay: 10 * time.Second, gap: 10 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls []LambdaInvocation
			fn := func(in LambdaInvocation) (LambdaResponse, error) {
				calls = append(calls, in)
				if in.Now.Sub(in.FirstInvokedAt) < 2*time.Minute {
					return LambdaResponse{HookStatus: "IN_PROGRESS", CallBackDelay: tc.delay}, nil
				}
				return LambdaResponse{HookStatus: "SUCCEEDED"}, nil
			}
			f := newFixture(t, nil, WithLambda(hookFn, fn))
			arn := f.deploy("app:v2", lambdaHookConfig(nil))
			f.runUntil(10*time.Minute, time.Second, func() bool { return len(calls) > 0 })
			f.sim.Advance(time.Minute)
			sd := f.sd(arn)
			require.Equal(t, types.ServiceDeploymentLifecycleStagePostTestTrafficShift, sd.LifecycleStage)
			require.Equal(t, types.DeploymentLifecycleHookStatusInProgress, sd.LifecycleHookDetails[0].Status)
			f.runUntil(10*time.Minute, 5*time.Second, func() bool { return !isActive(f.sd(arn).Status) })
			require.Equal(t, types.ServiceDeploymentStatusSuccessful, f.sd(arn).Status)

			require.Equal(t, int(2*time.Minute/tc.gap)+1, len(calls))
			for i, c := range calls {
				require.Equal(t, i+1, c.Attempt)
				require.Equal(t, calls[0].Now.Add(time.Duration(i)*tc.gap), c.Now)
				require.Equal(t, arn, c.ServiceDeploymentArn)
				require.Equal(t, types.DeploymentLifecycleHookStagePostTestTrafficShift, c.LifecycleStage)
			}
		})
	}
}

// TestLambdaHookFailureRollsBack: FAILED, an invocation error, an invalid
// hookStatus and a function that does not exist all roll the deployment
// back; a function stuck IN_PROGRESS meets the hook timeout.
func TestLambdaHookFailureRollsBack(t *testing.T) {
	t.Parallel()
	inProgress := func(LambdaInvocation) (LambdaResponse, error) { return LambdaResponse{HookStatus: "IN_PROGRESS"}, nil }
	cases := []struct {
		name     string
		fn       LambdaFunc
		timeout  *types.DeploymentLifecycleHookTimeoutConfiguration
		want     types.ServiceDeploymentStatus
		hook     types.DeploymentLifecycleHookStatus
		earliest time.Duration // the outcome is not reached before this
	}{
		{name: "FAILED", fn: func(LambdaInvocation) (LambdaResponse, error) { return LambdaResponse{HookStatus: "FAILED"}, nil },
			want: types.ServiceDeploymentStatusRollbackSuccessful, hook: types.DeploymentLifecycleHookStatusFailed},
		{name: "invocation error", fn: func(LambdaInvocation) (LambdaResponse, error) { return LambdaResponse{}, errors.New("boom") },
			want: types.ServiceDeploymentStatusRollbackSuccessful, hook: types.DeploymentLifecycleHookStatusFailed},
		{name: "no valid hookStatus", fn: func(LambdaInvocation) (LambdaResponse, error) { return LambdaResponse{HookStatus: "OK"}, nil },
			want: types.ServiceDeploymentStatusRollbackSuccessful, hook: types.DeploymentLifecycleHookStatusFailed},
		{name: "unknown function", want: types.ServiceDeploymentStatusRollbackSuccessful, hook: types.DeploymentLifecycleHookStatusFailed},
		{name: "timeout rolls back", fn: inProgress, timeout: &types.DeploymentLifecycleHookTimeoutConfiguration{TimeoutInMinutes: ptr(int32(5))},
			want: types.ServiceDeploymentStatusRollbackSuccessful, hook: types.DeploymentLifecycleHookStatusTimedOut, earliest: 5 * time.Minute},
		{name: "timeout continues", fn: inProgress, timeout: &types.DeploymentLifecycleHookTimeoutConfiguration{TimeoutInMinutes: ptr(int32(5)), Action: types.DeploymentLifecycleHookActionContinue},
			want: types.ServiceDeploymentStatusSuccessful, earliest: 5 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts []Option
			if tc.fn != nil {
				opts = append(opts, WithLambda(hookFn, tc.fn))
			}
			f := newFixture(t, nil, opts...)
			arn := f.deploy("app:v2", lambdaHookConfig(tc.timeout))
			took := f.runUntil(30*time.Minute, 5*time.Second, func() bool { return !isActive(f.sd(arn).Status) })
			f.sim.Advance(time.Minute)
			sd := f.sd(arn)
			require.Equal(t, tc.want, sd.Status, deref(sd.StatusReason))
			require.GreaterOrEqual(t, took, tc.earliest)
			if tc.hook != "" {
				require.Equal(t, tc.hook, sd.LifecycleHookDetails[0].Status)
			}
			if tc.want == types.ServiceDeploymentStatusRollbackSuccessful {
				require.Equal(t, map[string]int{"app:v1": 3}, f.runningImages())
			}
		})
	}
}

// TestPauseHookDefaultTimeout: a PAUSE hook without timeoutConfiguration
// waits 1440 minutes and then rolls back (SDK defaults).
func TestPauseHookDefaultTimeout(t *testing.T) {
	t.Parallel()
	cfg := &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyCanary, LifecycleHooks: []types.DeploymentLifecycleHook{{
		TargetType: types.DeploymentLifecycleHookTargetTypePause, LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePreScaleUp},
	}}}
	f := newFixture(t, nil)
	arn := f.deploy("app:v2", cfg)
	start := f.sim.Now()
	f.sim.Advance(time.Second)
	hook := f.sd(arn).LifecycleHookDetails[0]
	require.Equal(t, types.DeploymentLifecycleHookActionRollback, hook.TimeoutAction)
	require.WithinDuration(t, start.Add(1440*time.Minute), *hook.ExpiresAt, DefaultTiming.Tick, "the hook starts on the first tick")
	f.sim.Advance(1439 * time.Minute)
	require.Equal(t, types.ServiceDeploymentStatusInProgress, f.sd(arn).Status)
	f.sim.Advance(5 * time.Minute)
	require.Equal(t, types.ServiceDeploymentStatusRollbackSuccessful, f.sd(arn).Status)
}
