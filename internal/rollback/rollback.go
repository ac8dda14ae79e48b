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
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

// ECS is what rollback calls: the deploy engine's calls plus listing a
// family's revisions.
type ECS interface {
	deploy.ECS
	ListTaskDefinitions(ctx context.Context, in *ecs.ListTaskDefinitionsInput, optFns ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error)
}

// Ledger is the part of the deployment ledger rollback reads.
type Ledger interface {
	LastKnownGood(ctx context.Context, cluster, service, exclude string) (*ledger.Record, error)
	History(ctx context.Context, cluster, service string, limit int) ([]ledger.Record, error)
}

// Roller resolves rollback targets and checks services.
type Roller struct {
	ECS    ECS
	Ledger Ledger // nil without ledger-table
	Clock  deploy.Clock
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

// Resolve returns the task definition ARN a service should return to.
// current is the revision it runs now.
func (r *Roller) Resolve(ctx context.Context, cluster, service, current, to string) (string, error) {
	switch to {
	case "last-known-good":
		if r.Ledger == nil {
			return "", inputs.Errorf("to", to, "needs ledger-table: the ledger records which deployments succeeded")
		}
		rec, err := r.Ledger.LastKnownGood(ctx, cluster, service, current)
		if errors.Is(err, ledger.ErrNoKnownGood) {
			return "", inputs.Errorf("to", to, "the ledger has no successful deployment of %s other than the current revision; name a revision instead", service)
		}
		if err != nil {
			return "", err
		}
		return rec.TaskDefinition, nil
	case "previous":
		if r.Ledger != nil {
			hist, err := r.Ledger.History(ctx, cluster, service, 20)
			if err == nil {
				for _, h := range hist {
					if h.TaskDefinition == current && h.Previous != "" && h.Previous != current {
						return h.Previous, nil
					}
				}
			}
		}
		return r.previousRevision(ctx, current)
	}
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

// previousRevision returns the highest ACTIVE revision of current's family
// below current: what ran before when revisions were deployed in order.
func (r *Roller) previousRevision(ctx context.Context, current string) (string, error) {
	m := revisionRef.FindStringSubmatch(shortTD(current))
	if m == nil {
		return "", fmt.Errorf("cannot tell the family of %s", current)
	}
	family := m[2]
	cur, _ := strconv.Atoi(m[3])
	var next *string
	best, bestRev := "", -1
	for {
		out, err := r.ECS.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Sort: types.SortOrderDesc, NextToken: next})
		if err != nil {
			return "", fmt.Errorf("failed to list revisions of %s: %w", family, err)
		}
		for _, a := range out.TaskDefinitionArns {
			mm := revisionRef.FindStringSubmatch(shortTD(a))
			if mm == nil || mm[2] != family {
				continue
			}
			n, _ := strconv.Atoi(mm[3])
			if n < cur && n > bestRev {
				best, bestRev = a, n
			}
		}
		if out.NextToken == nil || best != "" {
			break
		}
		next = out.NextToken
	}
	if best == "" {
		return "", inputs.Errorf("to", "previous", "%s has no earlier active revision to return to", shortTD(current))
	}
	return best, nil
}

func shortTD(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
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
}

// CheckOptions bound what counts as unhealthy.
type CheckOptions struct {
	// BelowDesiredFor: running below desired longer than this is a problem.
	BelowDesiredFor time.Duration
	// StuckAfter: a deployment in progress longer than this is stuck.
	StuckAfter time.Duration
	// RecentDeploy: alarms firing within this long of a deployment blame it.
	RecentDeploy time.Duration
	// Alarms to watch besides each service's deployment alarms.
	Alarms []string
}

// AlarmReader returns the alarms in ALARM among names.
type AlarmReader func(ctx context.Context, names []string) ([]string, error)

// Check looks at one service and decides what to do.
func (r *Roller) Check(s types.Service, o CheckOptions, firing []string) Finding {
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
		switch {
		case primary.RolloutState == types.DeploymentRolloutStateFailed:
			f.Problems = append(f.Problems, fmt.Sprintf("deployment %s FAILED: %s", aws.ToString(primary.Id), aws.ToString(primary.RolloutStateReason)))
			deploymentBad = true
		case primary.RolloutState == types.DeploymentRolloutStateInProgress && now.Sub(aws.ToTime(primary.CreatedAt)) > o.StuckAfter:
			f.Problems = append(f.Problems, fmt.Sprintf("deployment %s has been in progress for %s (stuck; bound %s)",
				aws.ToString(primary.Id), now.Sub(aws.ToTime(primary.CreatedAt)).Round(time.Second), o.StuckAfter))
			deploymentBad = true
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
