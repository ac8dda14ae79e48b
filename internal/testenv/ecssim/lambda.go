package ecssim

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// An AWS_LAMBDA lifecycle hook is a Lambda function that ECS invokes at its
// stages. The function answers with a hookStatus: SUCCEEDED lets the
// deployment go on, FAILED rolls it back, IN_PROGRESS makes ECS invoke it
// again after callBackDelay seconds (30 by default); a function that fails
// or answers anything else rolls the deployment back
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html).
// The hook's timeoutConfiguration (default 1440 minutes, action ROLLBACK;
// SDK doc comment of types.DeploymentLifecycleHookTimeoutConfiguration)
// bounds the whole run.

// DefaultCallBackDelay is how long ECS waits before invoking a hook again
// after IN_PROGRESS without a callBackDelay.
const DefaultCallBackDelay = 30 * time.Second

// LambdaInvocation is what a lifecycle hook function receives: the main
// fields of the ECS hook payload, and the simulator's time.
type LambdaInvocation struct {
	ServiceArn               string
	ServiceDeploymentArn     string
	TargetServiceRevisionArn string
	LifecycleStage           types.DeploymentLifecycleHookStage
	// Attempt is 1 on the first invocation of this hook run.
	Attempt int
	// FirstInvokedAt is when this hook run was first invoked.
	FirstInvokedAt time.Time
	// Now is the simulator's time of this invocation.
	Now time.Time
}

// LambdaResponse is a hook function's answer.
type LambdaResponse struct {
	// HookStatus is SUCCEEDED, FAILED or IN_PROGRESS.
	HookStatus string
	// CallBackDelay is the wait before the next invocation after
	// IN_PROGRESS (DefaultCallBackDelay when zero).
	CallBackDelay time.Duration
}

// LambdaFunc plays a lifecycle hook's Lambda function. An error is a
// failed invocation. It runs with the simulator locked: keep it quick and
// do not call the Sim from it.
type LambdaFunc func(LambdaInvocation) (LambdaResponse, error)

// WithLambda deploys fn as the Lambda function functionArn for AWS_LAMBDA
// lifecycle hooks. A hook whose function was never given fails at its first
// invocation, as a function that cannot be invoked does on AWS, and the
// deployment rolls back.
func WithLambda(functionArn string, fn LambdaFunc) Option {
	return func(s *Sim) {
		if s.lambdas == nil {
			s.lambdas = map[string]LambdaFunc{}
		}
		s.lambdas[functionArn] = fn
	}
}

// hookTimeout returns when a hook run started at now times out and what
// ECS does then.
func hookTimeout(h types.DeploymentLifecycleHook, now time.Time) (time.Time, types.DeploymentLifecycleHookAction) {
	mins := int32(1440)
	action := types.DeploymentLifecycleHookActionRollback
	if tc := h.TimeoutConfiguration; tc != nil {
		if tc.TimeoutInMinutes != nil {
			mins = *tc.TimeoutInMinutes
		}
		if tc.Action != "" {
			action = tc.Action
		}
	}
	return now.Add(time.Duration(mins) * time.Minute), action
}

// invokeLambda runs a due invocation of an AWS_LAMBDA hook and reports
// whether the hook failed (the deployment then rolls back).
func (s *Sim) invokeLambda(r *rollout, h *hookRun, stage types.DeploymentLifecycleHookStage, now time.Time) (failed bool, why string) {
	if h.status != types.DeploymentLifecycleHookStatusInProgress || now.Before(h.next) {
		return false, ""
	}
	arn := deref(h.hook.HookTargetArn)
	fn := s.lambdas[arn]
	if fn == nil {
		h.status = types.DeploymentLifecycleHookStatusFailed
		return true, fmt.Sprintf("lifecycle hook %s could not be invoked: function not found", arn)
	}
	if h.attempts == 0 {
		h.first = now
	}
	h.attempts++
	resp, err := fn(LambdaInvocation{
		ServiceArn: r.svc.arn, ServiceDeploymentArn: r.arn, TargetServiceRevisionArn: r.target.revArn,
		LifecycleStage: stage, Attempt: h.attempts, FirstInvokedAt: h.first, Now: now,
	})
	switch {
	case err != nil:
		h.status = types.DeploymentLifecycleHookStatusFailed
		return true, fmt.Sprintf("lifecycle hook %s failed: %v", arn, err)
	case resp.HookStatus == string(types.DeploymentLifecycleHookStatusSucceeded):
		h.status = types.DeploymentLifecycleHookStatusSucceeded
	case resp.HookStatus == string(types.DeploymentLifecycleHookStatusInProgress):
		delay := resp.CallBackDelay
		if delay <= 0 {
			delay = DefaultCallBackDelay
		}
		h.next = now.Add(delay)
	case resp.HookStatus == string(types.DeploymentLifecycleHookStatusFailed):
		h.status = types.DeploymentLifecycleHookStatusFailed
		return true, fmt.Sprintf("lifecycle hook %s returned FAILED", arn)
	default:
		h.status = types.DeploymentLifecycleHookStatusFailed
		return true, fmt.Sprintf("lifecycle hook %s returned no valid hookStatus (%q)", arn, resp.HookStatus)
	}
	return false, ""
}
