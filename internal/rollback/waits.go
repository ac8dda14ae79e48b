package rollback

import (
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func sdInProgress(sd *types.ServiceDeployment) bool {
	return sd != nil && (sd.Status == types.ServiceDeploymentStatusInProgress || sd.Status == types.ServiceDeploymentStatusPending)
}

// waiting says why a deployment in progress is waiting by design: its bake
// time, or a lifecycle hook that someone (a person, a team's automation, a
// Lambda function) has yet to answer. Check mode leaves those alone: ECS
// ends the bake itself, and a hook belongs to whoever placed it.
func waiting(sd *types.ServiceDeployment, now time.Time) []string {
	if !sdInProgress(sd) {
		return nil
	}
	var notes []string
	for _, h := range sd.LifecycleHookDetails {
		until := ""
		if h.ExpiresAt != nil {
			until = fmt.Sprintf(" (the hook times out in %s)", aws.ToTime(h.ExpiresAt).Sub(now).Round(time.Second))
		}
		switch {
		case h.TargetType == types.DeploymentLifecycleHookTargetTypePause && h.Status == types.DeploymentLifecycleHookStatusAwaitingAction:
			notes = append(notes, fmt.Sprintf("waiting for approval at %s%s", sd.LifecycleStage, until))
		case h.TargetType == types.DeploymentLifecycleHookTargetTypeAwsLambda && h.Status == types.DeploymentLifecycleHookStatusInProgress:
			notes = append(notes, fmt.Sprintf("waiting for Lambda hook %s at %s%s", aws.ToString(h.TargetArn), sd.LifecycleStage, until))
		}
	}
	if len(notes) == 0 && sd.LifecycleStage == types.ServiceDeploymentLifecycleStageBakeTime {
		notes = append(notes, "in BAKE_TIME: ECS completes the deployment when the bake time ends")
	}
	return notes
}

// plannedWaits is how long a deployment's configuration makes it wait on
// purpose: the bake time, a canary's bake, a linear deployment's steps.
func plannedWaits(sd *types.ServiceDeployment) time.Duration {
	if sd == nil || sd.DeploymentConfiguration == nil {
		return 0
	}
	cfg := sd.DeploymentConfiguration
	mins := float64(aws.ToInt32(cfg.BakeTimeInMinutes))
	switch cfg.Strategy {
	case types.DeploymentStrategyCanary:
		if c := cfg.CanaryConfiguration; c != nil {
			mins += float64(aws.ToInt32(c.CanaryBakeTimeInMinutes))
		}
	case types.DeploymentStrategyLinear:
		if l := cfg.LinearConfiguration; l != nil && aws.ToFloat64(l.StepPercent) > 0 {
			mins += math.Ceil(100/aws.ToFloat64(l.StepPercent)) * float64(aws.ToInt32(l.StepBakeTimeInMinutes))
		}
	}
	return time.Duration(mins * float64(time.Minute))
}
