package rollback

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

// historyLimit bounds how many of a service's deployments rollback reads,
// newest first: enough to reach past a run of failed releases.
const historyLimit = 100

// pastDeployment is one service deployment from ECS's history.
type pastDeployment struct {
	ARN     string
	Status  types.ServiceDeploymentStatus
	Created time.Time
	// TaskDefinition is the target revision's task definition; empty when
	// ECS no longer describes the service revision.
	TaskDefinition string
}

// deployments reads a service's deployment history, newest first
// (ListServiceDeployments), and the task definition of each target
// (DescribeServiceRevisions, 20 at a time).
func (r *Roller) deployments(ctx context.Context, cluster, service string) ([]pastDeployment, error) {
	var past []pastDeployment
	revs := map[string][]int{}
	var next *string
	for len(past) < historyLimit {
		var out *ecs.ListServiceDeploymentsOutput
		err := r.call(ctx, "ecs:ListServiceDeployments", func() (err error) {
			out, err = r.ECS.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String(cluster), Service: aws.String(service),
				MaxResults: aws.Int32(100), NextToken: next})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("failed to read the deployment history of %s (rollback needs ecs:ListServiceDeployments): %w", service, err)
		}
		for _, b := range out.ServiceDeployments {
			past = append(past, pastDeployment{ARN: aws.ToString(b.ServiceDeploymentArn), Status: b.Status, Created: aws.ToTime(b.CreatedAt)})
			if rev := aws.ToString(b.TargetServiceRevisionArn); rev != "" {
				revs[rev] = append(revs[rev], len(past)-1)
			}
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	arns := make([]string, 0, len(revs))
	for a := range revs {
		arns = append(arns, a)
	}
	for len(arns) > 0 {
		batch := arns[:min(20, len(arns))]
		arns = arns[len(batch):]
		var out *ecs.DescribeServiceRevisionsOutput
		err := r.call(ctx, "ecs:DescribeServiceRevisions", func() (err error) {
			out, err = r.ECS.DescribeServiceRevisions(ctx, &ecs.DescribeServiceRevisionsInput{ServiceRevisionArns: batch})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("failed to read the service revisions of %s (rollback needs ecs:DescribeServiceRevisions): %w", service, err)
		}
		for _, sr := range out.ServiceRevisions {
			for _, i := range revs[aws.ToString(sr.ServiceRevisionArn)] {
				past[i].TaskDefinition = aws.ToString(sr.TaskDefinition)
			}
		}
	}
	return past, nil
}

// rolledBackByECS returns the task definitions of deployments ECS rolled
// back (ROLLBACK_* statuses: circuit breaker, deployment alarms, a failed
// hook or a StopServiceDeployment with ROLLBACK).
func rolledBackByECS(past []pastDeployment) map[string]bool {
	bad := map[string]bool{}
	for _, d := range past {
		if strings.HasPrefix(string(d.Status), "ROLLBACK_") && d.TaskDefinition != "" {
			bad[d.TaskDefinition] = true
		}
	}
	return bad
}

// previous is `to: previous`: the revision that ran before the current one
// and was never rolled back or failed. The ledger's record of the current
// deployment names what ran before it; without such a record, ECS's
// deployment history does. Revisions either source marks as rolled back
// are skipped on both.
func (r *Roller) previous(ctx context.Context, cluster, service, current string, past []pastDeployment) (string, error) {
	bad := rolledBackByECS(past)
	if r.Ledger != nil {
		hist, err := r.Ledger.History(ctx, cluster, service, 50)
		if err != nil {
			return "", err
		}
		for td := range ledger.RolledBack(hist) {
			bad[td] = true
		}
		if prev := previousInLedger(hist, current, bad); prev != "" {
			return prev, nil
		}
	}
	if prev := previousInHistory(past, current, bad); prev != "" {
		return prev, nil
	}
	return "", inputs.Errorf("to", "previous", "no revision of %s before %s completed a deployment without being rolled back or failing; name a revision (family:revision)", service, shortTD(current))
}

// previousInLedger finds the newest record that put current on the
// service (not a forced redeploy of it) and returns the revision it
// replaced, or when that one is bad, the newest good success before it.
func previousInLedger(hist []ledger.Record, current string, bad map[string]bool) string {
	for k, rec := range hist {
		if rec.TaskDefinition != current || rec.Previous == "" || rec.Previous == current {
			continue
		}
		if !bad[rec.Previous] {
			return rec.Previous
		}
		for _, older := range hist[k+1:] {
			if older.Outcome == "succeeded" && older.TaskDefinition != current && older.TaskDefinition != "" && !bad[older.TaskDefinition] {
				return older.TaskDefinition
			}
		}
		return ""
	}
	return ""
}

// previousInHistory finds the newest deployment of current and returns the
// target of the newest SUCCESSFUL deployment before it that is another,
// good revision.
func previousInHistory(past []pastDeployment, current string, bad map[string]bool) string {
	from := 0
	for i, d := range past {
		if d.TaskDefinition == current {
			from = i + 1
			break
		}
	}
	for _, d := range past[from:] {
		if d.Status == types.ServiceDeploymentStatusSuccessful && d.TaskDefinition != "" && d.TaskDefinition != current && !bad[d.TaskDefinition] {
			return d.TaskDefinition
		}
	}
	return ""
}

// inProgress returns the service's deployment still in progress and the
// revision ECS returns to when it is stopped with ROLLBACK: the target of
// the newest SUCCESSFUL deployment before it.
func inProgress(past []pastDeployment) (pastDeployment, string, bool) {
	for i, d := range past {
		switch d.Status {
		case types.ServiceDeploymentStatusPending, types.ServiceDeploymentStatusInProgress:
			for _, older := range past[i+1:] {
				if older.Status == types.ServiceDeploymentStatusSuccessful {
					return d, older.TaskDefinition, older.TaskDefinition != ""
				}
			}
			return d, "", false
		}
	}
	return pastDeployment{}, "", false
}
