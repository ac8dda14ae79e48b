package rollback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// stopPoll is the wait between reads of a stopped deployment.
const stopPoll = 5 * time.Second

// plannedTarget is one service's resolved rollback.
type plannedTarget struct {
	Service, Current string
	Target
}

// apply rolls services back: a deployment in progress is stopped with
// ROLLBACK, the rest go through the deploy engine in one wave. The results
// are merged into one.
func (deps *Deps) apply(ctx context.Context, eng *deploy.Engine, p *Config, plans []plannedTarget, force bool) (*deploy.Result, error) {
	res := &deploy.Result{Status: deploy.Succeeded, Start: eng.Clock.Now()}
	var targets []deploy.Target
	for _, pt := range plans {
		if pt.Stop == "" {
			targets = append(targets, deploy.Target{Service: pt.Service, Source: deploy.Source{Revision: pt.Revision}})
			continue
		}
		sr, events, replaced := deps.stop(ctx, eng, p, pt)
		if replaced {
			// ECS finished the deployment before the stop: roll back with
			// a new deployment instead.
			targets = append(targets, deploy.Target{Service: pt.Service, Source: deploy.Source{Revision: pt.Revision}})
			continue
		}
		res.Services = append(res.Services, sr)
		res.Timeline = append(res.Timeline, events...)
	}
	if len(targets) > 0 {
		dres, err := deps.deploy(ctx, eng, p, targets, force)
		if err != nil {
			return nil, err
		}
		res.Services = append(res.Services, dres.Services...)
		res.Timeline = append(res.Timeline, dres.Timeline...)
		res.Skipped = dres.Skipped
		res.Cancelled = dres.Cancelled
	}
	for _, s := range res.Services {
		if s.Status != deploy.Succeeded {
			res.Status = deploy.Failed
		}
	}
	res.End = eng.Clock.Now()
	return res, nil
}

// stop stops a service's deployment in progress with ROLLBACK and, with
// wait, follows it until ECS reports the rollback done or failed. replaced
// means the deployment was no longer in progress: nothing was stopped.
func (deps *Deps) stop(ctx context.Context, eng *deploy.Engine, p *Config, pt plannedTarget) (*deploy.ServiceResult, []deploy.Event, bool) {
	now := eng.Clock.Now()
	sr := &deploy.ServiceResult{Service: pt.Service, Status: deploy.Succeeded, Previous: pt.Current, TaskDefinition: pt.Revision,
		LeftOn: pt.Current, DeploymentID: pt.Stop, Strategy: "stop", Started: now}
	ev := func(what string) deploy.Event {
		return deploy.Event{At: eng.Clock.Now(), Service: pt.Service, What: what}
	}
	_, err := eng.ECS.StopServiceDeployment(ctx, &ecs.StopServiceDeploymentInput{
		ServiceDeploymentArn: aws.String(pt.Stop), StopType: types.StopServiceDeploymentStopTypeRollback})
	var conflict *types.ConflictException
	if errors.As(err, &conflict) {
		return nil, nil, true
	}
	events := []deploy.Event{ev(fmt.Sprintf("deployment of %s in progress: StopServiceDeployment (ROLLBACK) returns to %s", taskdef.FamilyRevision(pt.Current), taskdef.FamilyRevision(pt.Revision)))}
	if err != nil {
		sr.Status = deploy.Failed
		sr.Reasons = []string{fmt.Sprintf("failed to stop deployment %s (needs ecs:StopServiceDeployment): %v", pt.Stop, err)}
		sr.Finished = eng.Clock.Now()
		return sr, events, false
	}
	sr.LeftOn = pt.Revision
	if !p.wait {
		sr.Note = "not waited for: ECS rolls back to " + taskdef.FamilyRevision(pt.Revision)
		sr.Finished = eng.Clock.Now()
		return sr, events, false
	}
	status, reason := deps.followStop(ctx, eng, p, pt.Stop)
	sr.Finished = eng.Clock.Now()
	switch status {
	case types.ServiceDeploymentStatusRollbackSuccessful:
		events = append(events, ev("ECS rolled back: "+taskdef.FamilyRevision(pt.Revision)+" is steady"))
	default:
		sr.Status = deploy.Failed
		sr.Reasons = []string{reason}
		events = append(events, ev(reason))
	}
	return sr, events, false
}

// followStop polls a stopped deployment until its rollback ends or the
// timeout passes. A read that does not show the stop yet (eventual
// consistency) is polled again.
func (deps *Deps) followStop(ctx context.Context, eng *deploy.Engine, p *Config, arn string) (types.ServiceDeploymentStatus, string) {
	deadline := eng.Clock.Now().Add(p.timeout)
	last := "not yet visible"
	for {
		out, err := eng.ECS.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}})
		switch {
		case err != nil:
			last = fmt.Sprintf("failed to read deployment %s (needs ecs:DescribeServiceDeployments): %v", arn, err)
		case len(out.ServiceDeployments) == 1:
			sd := out.ServiceDeployments[0]
			last = string(sd.Status)
			switch sd.Status {
			case types.ServiceDeploymentStatusRollbackSuccessful:
				return sd.Status, ""
			case types.ServiceDeploymentStatusRollbackFailed, types.ServiceDeploymentStatusStopped, types.ServiceDeploymentStatusSuccessful:
				return sd.Status, fmt.Sprintf("ECS could not roll back: deployment %s ended %s: %s", arn, sd.Status, aws.ToString(sd.StatusReason))
			}
		}
		if !eng.Clock.Now().Before(deadline) {
			return "", fmt.Sprintf("the rollback of deployment %s did not finish within %s (last seen: %s)", arn, p.timeout, last)
		}
		if err := eng.Clock.Sleep(ctx, stopPoll); err != nil {
			return "", fmt.Sprintf("stopped waiting for the rollback of deployment %s: %v", arn, err)
		}
	}
}
