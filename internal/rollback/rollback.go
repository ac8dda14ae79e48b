// Package rollback returns ECS services to a known revision and, in check
// mode, heals them: it looks at each service (running below desired for
// longer than a bound, alarms in ALARM, a failed or stuck deployment) and
// rolls back or forces a fresh deployment only when needed, opening or
// updating one GitHub issue when it cannot heal. Deployments go through the
// deploy engine, so waiting, explanations and the summary are the same as
// deploy-ecs's. Nothing here deregisters a task definition.
package rollback

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsflow/ecsflow/internal/clock"
	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

// ECS is what rollback calls: the deploy engine's calls plus the task
// definitions of service revisions, to read a service's deployment history.
type ECS interface {
	deploy.ECS
	DescribeServiceRevisions(ctx context.Context, in *ecs.DescribeServiceRevisionsInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServiceRevisionsOutput, error)
}

// Ledger is the part of the deployment ledger rollback reads.
type Ledger interface {
	History(ctx context.Context, cluster, service string, limit int) ([]ledger.Record, error)
}

// Roller resolves rollback targets and checks services.
type Roller struct {
	ECS    ECS
	Ledger Ledger // nil without ledger-table
	Clock  clock.Clock
	// Retry makes one AWS read, retrying throttling and 5xx as the deploy
	// engine does (deploy.Engine.Retry); nil reads once.
	Retry func(ctx context.Context, op string, fn func() error) error
}

// call makes one AWS read through Retry.
func (r *Roller) call(ctx context.Context, op string, fn func() error) error {
	if r.Retry == nil {
		return fn()
	}
	return r.Retry(ctx, op, fn)
}

var revisionRef = regexp.MustCompile(`^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/)?([A-Za-z0-9_-]{1,255}):(\d+)$`)

// ValidTo checks the "to" input without AWS calls.
func ValidTo(to string) error {
	switch to {
	case "previous", "last-known-good":
		return nil
	}
	if revisionRef.MatchString(to) {
		return nil
	}
	return inputs.Errorf("to", to, "is not previous, last-known-good, a task definition ARN or family:revision")
}

// Target is where one service returns to, and how.
type Target struct {
	// Revision is the task definition ARN to return to.
	Revision string
	// Stop is the ARN of the service's deployment still in progress when
	// stopping it with ROLLBACK returns the service to Revision: ECS goes
	// back to the last completed revision at once, without the bake time
	// and traffic steps a new deployment would run.
	Stop string
	// Warnings say what could not be read and was done without (ECS's
	// deployment history when a permission or the endpoint lacks it).
	Warnings []string
}

// Resolve returns the task definition ARN a service should return to.
// current is the revision it runs now.
func (r *Roller) Resolve(ctx context.Context, cluster, service, current, to string) (string, error) {
	t, err := r.Target(ctx, cluster, service, current, to)
	return t.Revision, err
}

// Target resolves where a service returns to and whether that is done by
// stopping its deployment in progress. It reads the service's deployment
// history from ECS (and the ledger when there is one); it changes nothing.
func (r *Roller) Target(ctx context.Context, cluster, service, current, to string) (Target, error) {
	var t Target
	past, herr := r.deployments(ctx, cluster, service)
	if herr != nil {
		// The ledger or a named revision may still answer; say loudly what
		// was not checked.
		t.Warnings = append(t.Warnings, herr.Error()+"; without ECS's deployment history, revisions ECS rolled back are not excluded and a deployment in progress is not stopped but replaced")
	}
	var err error
	switch to {
	case "last-known-good":
		t.Revision, err = r.lastKnownGood(ctx, cluster, service, current, past)
	case "previous":
		t.Revision, err = r.previous(ctx, cluster, service, current, past)
	default:
		t.Revision, err = r.named(ctx, to)
	}
	if err != nil {
		if herr != nil {
			return Target{}, errors.Join(err, herr)
		}
		return Target{}, err
	}
	if d, back, ok := inProgress(past); ok && back == t.Revision && d.TaskDefinition == current {
		t.Stop = d.ARN
	}
	return t, nil
}

// lastKnownGood is the ledger's newest success that neither the ledger nor
// ECS's history marks as rolled back.
func (r *Roller) lastKnownGood(ctx context.Context, cluster, service, current string, past []pastDeployment) (string, error) {
	if r.Ledger == nil {
		return "", inputs.Errorf("to", "last-known-good", "needs ledger-table: the ledger records which deployments succeeded")
	}
	hist, err := r.Ledger.History(ctx, cluster, service, 0)
	if err != nil {
		return "", err
	}
	bad := rolledBackByECS(past)
	var keep []ledger.Record
	for _, h := range hist {
		if !bad[h.TaskDefinition] {
			keep = append(keep, h)
		}
	}
	rec, err := ledger.KnownGood(keep, current)
	if errors.Is(err, ledger.ErrNoKnownGood) {
		return "", inputs.Errorf("to", "last-known-good", "the ledger has no successful deployment of %s other than the current revision that was not rolled back later; name a revision instead", service)
	}
	if err != nil {
		return "", err
	}
	return rec.TaskDefinition, nil
}

// named checks that a revision given by ARN or family:revision exists.
func (r *Roller) named(ctx context.Context, to string) (string, error) {
	out, err := r.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(to)})
	if err != nil || out.TaskDefinition == nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "ClientException" || ae.ErrorCode() == "InvalidParameterException") {
			return "", inputs.Errorf("to", to, "is not a registered task definition revision")
		}
		return "", fmt.Errorf("failed to read task definition %s: %w", to, err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn), nil
}

// Finding is what check mode saw on one service and what it decided.
type Finding struct {
	Service  string
	Problems []string
	// Action is none, rollback or redeploy; Escalate means no action can
	// heal it (a person must look).
	Action   string
	Escalate bool
	Current  string
	// Notes say why a long deployment is not stuck (baking, waiting at a
	// hook); they are no problem.
	Notes []string
}

// CheckOptions bound what counts as unhealthy.
type CheckOptions struct {
	// BelowDesiredFor: running below desired longer than this is a problem.
	BelowDesiredFor time.Duration
	// StuckAfter: a deployment in progress longer than this is stuck.
	StuckAfter time.Duration
	// RecentDeploy: alarms firing, or an anomaly beginning, within this
	// long of a deployment blame it.
	RecentDeploy time.Duration
	// Anomaly: judge the service's metrics against CloudWatch's anomaly
	// detection bands, Sensitivity standard deviations wide.
	Anomaly     bool
	Sensitivity float64
	// Alarms to watch besides each service's deployment alarms.
	Alarms []string
}

// AlarmReader returns the alarms in ALARM among names.
type AlarmReader func(ctx context.Context, names []string) ([]string, error)

// Check looks at one service and decides what to do. sd is the service's
// current service deployment (nil when it could not be read): a deployment
// in its bake time or waiting at a lifecycle hook is not stuck, and the
// bound for the rest grows by the waits its configuration asks for.
func (r *Roller) Check(s types.Service, sd *types.ServiceDeployment, o CheckOptions, firing []string) Finding {
	now := r.Clock.Now()
	f := Finding{Service: aws.ToString(s.ServiceName), Action: "none", Current: aws.ToString(s.TaskDefinition)}
	var primary *types.Deployment
	for i := range s.Deployments {
		if aws.ToString(s.Deployments[i].Status) == "PRIMARY" {
			primary = &s.Deployments[i]
		}
	}
	recent := primary != nil && now.Sub(aws.ToTime(primary.CreatedAt)) <= o.RecentDeploy
	deploymentBad := false
	if primary != nil {
		age := now.Sub(aws.ToTime(primary.CreatedAt))
		switch {
		case primary.RolloutState == types.DeploymentRolloutStateFailed:
			f.Problems = append(f.Problems, fmt.Sprintf("deployment %s FAILED: %s", aws.ToString(primary.Id), aws.ToString(primary.RolloutStateReason)))
			deploymentBad = true
		case primary.RolloutState == types.DeploymentRolloutStateInProgress || sdInProgress(sd):
			if f.Notes = waiting(sd, now); len(f.Notes) > 0 {
				break
			}
			if bound := o.StuckAfter + plannedWaits(sd); age > bound {
				f.Problems = append(f.Problems, fmt.Sprintf("deployment %s has been in progress for %s (stuck; bound %s)",
					aws.ToString(primary.Id), age.Round(time.Second), bound))
				deploymentBad = true
			}
		}
	}
	below := false
	if s.RunningCount < s.DesiredCount {
		since := lastSteady(s)
		if since.IsZero() && primary != nil {
			since = aws.ToTime(primary.UpdatedAt)
		}
		if !since.IsZero() && now.Sub(since) > o.BelowDesiredFor {
			f.Problems = append(f.Problems, fmt.Sprintf("running %d of %d tasks for more than %s (last steady %s ago)",
				s.RunningCount, s.DesiredCount, o.BelowDesiredFor, now.Sub(since).Round(time.Second)))
			below = true
		}
	}
	if len(firing) > 0 {
		f.Problems = append(f.Problems, "alarm "+strings.Join(firing, ", ")+" in ALARM")
	}
	switch {
	case deploymentBad:
		f.Action = "rollback"
	case len(firing) > 0 && recent:
		f.Action = "rollback"
	case below:
		f.Action = "redeploy"
	case len(firing) > 0:
		f.Escalate = true // alarms on a revision that has run a long time: a new deployment will not fix it
	}
	return f
}

// lastSteady is the time of the newest "has reached a steady state" event.
func lastSteady(s types.Service) time.Time {
	var t time.Time
	for _, e := range s.Events {
		if strings.Contains(aws.ToString(e.Message), "reached a steady state") && aws.ToTime(e.CreatedAt).After(t) {
			t = aws.ToTime(e.CreatedAt)
		}
	}
	return t
}

// SortedUnique returns names sorted without duplicates.
func SortedUnique(names []string) []string {
	m := map[string]bool{}
	var out []string
	for _, n := range names {
		if n != "" && !m[n] {
			m[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
