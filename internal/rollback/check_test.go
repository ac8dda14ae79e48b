package rollback

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/simclock"
)

// The check-mode policy, one row per situation.
func TestCheckPolicy(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := simclock.Manual{NowFunc: func() time.Time { return now }, Advance: func(time.Duration) {}}
	r := &Roller{Clock: clock}
	opts := CheckOptions{BelowDesiredFor: 5 * time.Minute, StuckAfter: 30 * time.Minute, RecentDeploy: time.Hour}
	svc := func(running, desired int32, state types.DeploymentRolloutState, deployedAgo, steadyAgo time.Duration) types.Service {
		s := types.Service{ServiceName: aws.String("web"), TaskDefinition: aws.String("arn:td/web:3"), RunningCount: running, DesiredCount: desired,
			Deployments: []types.Deployment{{Id: aws.String("ecs-svc/1"), Status: aws.String("PRIMARY"), RolloutState: state,
				CreatedAt: aws.Time(now.Add(-deployedAgo)), UpdatedAt: aws.Time(now.Add(-deployedAgo))}}}
		if steadyAgo > 0 {
			s.Events = []types.ServiceEvent{{CreatedAt: aws.Time(now.Add(-steadyAgo)), Message: aws.String("(service web) has reached a steady state.")}}
		}
		return s
	}
	cases := []struct {
		name     string
		s        types.Service
		firing   []string
		action   string
		escalate bool
	}{
		{"healthy", svc(2, 2, types.DeploymentRolloutStateCompleted, 3*time.Hour, time.Minute), nil, "none", false},
		{"failed deployment", svc(2, 2, types.DeploymentRolloutStateFailed, 10*time.Minute, 0), nil, "rollback", false},
		{"stuck deployment", svc(2, 2, types.DeploymentRolloutStateInProgress, 45*time.Minute, 0), nil, "rollback", false},
		{"young deployment in progress", svc(1, 2, types.DeploymentRolloutStateInProgress, 2*time.Minute, 3*time.Minute), nil, "none", false},
		{"below desired too long", svc(1, 3, types.DeploymentRolloutStateCompleted, 5*time.Hour, 20*time.Minute), nil, "redeploy", false},
		{"below desired briefly", svc(1, 3, types.DeploymentRolloutStateCompleted, 5*time.Hour, 2*time.Minute), nil, "none", false},
		{"alarm after a recent deployment", svc(2, 2, types.DeploymentRolloutStateCompleted, 20*time.Minute, time.Minute), []string{"web-5xx"}, "rollback", false},
		{"alarm on an old revision", svc(2, 2, types.DeploymentRolloutStateCompleted, 3*time.Hour, time.Minute), []string{"web-5xx"}, "none", true},
	}
	for _, tc := range cases {
		f := r.Check(tc.s, nil, opts, tc.firing)
		assert.Equal(t, tc.action, f.Action, tc.name)
		assert.Equal(t, tc.escalate, f.Escalate, tc.name)
		assert.Equal(t, tc.action == "none" && !tc.escalate, len(f.Problems) == 0, "%s: %v", tc.name, f.Problems)
	}
}

// The stuck rule reads the service deployment: bake time and hooks are
// waits by design, and a canary's or linear deployment's planned waits
// extend the bound.
func TestCheckStuckReadsTheServiceDeployment(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	r := &Roller{Clock: simclock.Manual{NowFunc: func() time.Time { return now }, Advance: func(time.Duration) {}}}
	opts := CheckOptions{StuckAfter: 30 * time.Minute}
	svc := types.Service{ServiceName: aws.String("web"), TaskDefinition: aws.String("arn:td/web:3"), RunningCount: 2, DesiredCount: 2,
		Deployments: []types.Deployment{{Id: aws.String("ecs-svc/1"), Status: aws.String("PRIMARY"),
			CreatedAt: aws.Time(now.Add(-50 * time.Minute)), UpdatedAt: aws.Time(now.Add(-50 * time.Minute))}}}
	inProgress := func(stage types.ServiceDeploymentLifecycleStage, cfg *types.DeploymentConfiguration, hooks ...types.DeploymentLifecycleHookDetail) *types.ServiceDeployment {
		return &types.ServiceDeployment{Status: types.ServiceDeploymentStatusInProgress, LifecycleStage: stage, DeploymentConfiguration: cfg, LifecycleHookDetails: hooks}
	}
	canary := &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyCanary, BakeTimeInMinutes: aws.Int32(5),
		CanaryConfiguration: &types.CanaryConfiguration{CanaryPercent: aws.Float64(10), CanaryBakeTimeInMinutes: aws.Int32(15)}}
	linear := &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyLinear,
		LinearConfiguration: &types.LinearConfiguration{StepPercent: aws.Float64(25), StepBakeTimeInMinutes: aws.Int32(2)}}
	cases := []struct {
		name  string
		sd    *types.ServiceDeployment
		stuck bool
		note  string
	}{
		{"unknown deployment: the plain bound", inProgress(types.ServiceDeploymentLifecycleStageScaleUp, nil), true, ""},
		{"bake time", inProgress(types.ServiceDeploymentLifecycleStageBakeTime, nil), false, "in BAKE_TIME"},
		{"paused for approval", inProgress(types.ServiceDeploymentLifecycleStagePostScaleUp, nil, types.DeploymentLifecycleHookDetail{
			TargetType: types.DeploymentLifecycleHookTargetTypePause, Status: types.DeploymentLifecycleHookStatusAwaitingAction,
			ExpiresAt: aws.Time(now.Add(time.Hour))}), false, "waiting for approval at POST_SCALE_UP (the hook times out in 1h0m0s)"},
		{"a Lambda hook still running", inProgress(types.ServiceDeploymentLifecycleStagePostTestTrafficShift, nil, types.DeploymentLifecycleHookDetail{
			TargetType: types.DeploymentLifecycleHookTargetTypeAwsLambda, Status: types.DeploymentLifecycleHookStatusInProgress,
			TargetArn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:smoke")}), false, "waiting for Lambda hook arn:aws:lambda:us-east-1:123456789012:function:smoke"},
		{"a hook answered long ago does not excuse the rest", inProgress(types.ServiceDeploymentLifecycleStageScaleUp, nil, types.DeploymentLifecycleHookDetail{
			TargetType: types.DeploymentLifecycleHookTargetTypePause, Status: types.DeploymentLifecycleHookStatusSucceeded}), true, ""},
		{"canary: 30m + 5m bake + 15m canary bake", inProgress(types.ServiceDeploymentLifecycleStageProductionTrafficShift, canary), false, ""},
		{"linear: 30m + 4 steps of 2m", inProgress(types.ServiceDeploymentLifecycleStageProductionTrafficShift, linear), true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := r.Check(svc, tc.sd, opts, nil)
			if tc.stuck {
				assert.Equal(t, "rollback", f.Action)
				require.Len(t, f.Problems, 1)
				assert.Contains(t, f.Problems[0], "stuck")
				return
			}
			assert.Equal(t, "none", f.Action)
			assert.Empty(t, f.Problems)
			if tc.note != "" {
				require.Len(t, f.Notes, 1)
				assert.Contains(t, f.Notes[0], tc.note)
			}
		})
	}
}
