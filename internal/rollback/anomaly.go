package rollback

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

// AnomalyLookback is how far back check mode looks for a metric outside
// its band: the interval of the 15-minute self-healing schedule, so no
// datapoint falls between two runs.
const AnomalyLookback = 15 * time.Minute

// sensitivities are the named band widths, in standard deviations: a
// wider band raises fewer false positives and notices less.
var sensitivities = map[string]float64{"low": 3, "medium": 2, "high": 1.5}

// parseSensitivity reads "sensitivity": low, medium, high or a band width
// in standard deviations.
func parseSensitivity(in *inputs.Inputs) (float64, error) {
	v := strings.ToLower(in.String("sensitivity"))
	if v == "" {
		v = "medium"
	}
	if k, ok := sensitivities[v]; ok {
		return k, nil
	}
	k, err := strconv.ParseFloat(v, 64)
	if err != nil || k < 0.5 || k > 10 {
		return 0, inputs.Errorf("sensitivity", in.String("sensitivity"), "is low (3 standard deviations), medium (2), high (1.5) or a band width in standard deviations from 0.5 to 10")
	}
	return k, nil
}

// anomalyDecision is what check mode concluded from a service's metrics.
type anomalyDecision struct {
	anomaly *deploy.Anomaly
	// blame: the anomaly began after the service's last deployment and
	// within recent-deploy of it, so that deployment is rolled back.
	blame   bool
	problem string
}

// judgeAnomaly looks for the first datapoint of the service's metrics
// outside its band in the last AnomalyLookback and decides whether the
// last deployment (the ledger's newest record, else the primary ECS
// deployment's start) is to blame. It returns nil when every metric is
// within its band.
func judgeAnomaly(ctx context.Context, eng *deploy.Engine, led *ledger.Ledger, p *Config, s types.Service) (*anomalyDecision, error) {
	gates, err := eng.ServiceAnomalyGates(ctx, s, p.check.Sensitivity)
	if err != nil {
		return nil, err
	}
	now := eng.Clock.Now()
	var first *deploy.Anomaly
	for _, g := range gates {
		a, err := eng.FirstAnomaly(ctx, g, now.Add(-AnomalyLookback))
		if err != nil {
			return nil, err
		}
		if a != nil && (first == nil || a.At.Before(first.At)) {
			first = a
		}
	}
	if first == nil {
		return nil, nil
	}
	deployed, err := lastDeployment(ctx, led, p.cluster, s)
	if err != nil {
		return nil, err
	}
	d := &anomalyDecision{anomaly: first}
	after := !deployed.IsZero() && !first.At.Before(deployed.Truncate(time.Minute))
	d.blame = after && first.At.Sub(deployed) <= p.check.RecentDeploy
	switch {
	case d.blame:
		d.problem = fmt.Sprintf("anomaly %s, %s after the deployment of %s", first.Reason,
			max(first.At.Sub(deployed), 0).Round(time.Second), deployed.UTC().Format(time.RFC3339))
	case deployed.IsZero():
		d.problem = fmt.Sprintf("anomaly %s; no deployment on record to blame", first.Reason)
	case after:
		d.problem = fmt.Sprintf("anomaly %s, more than recent-deploy (%s) after the deployment of %s: not the deployment's doing",
			first.Reason, p.check.RecentDeploy, deployed.UTC().Format(time.RFC3339))
	default:
		d.problem = fmt.Sprintf("anomaly %s, before the deployment of %s", first.Reason, deployed.UTC().Format(time.RFC3339))
	}
	return d, nil
}

// lastDeployment is when the service's newest deployment of another
// revision started: from the ledger when there is one (a forced
// redeployment of the running revision changes nothing and is skipped),
// else from ECS's primary deployment.
func lastDeployment(ctx context.Context, led *ledger.Ledger, cluster string, s types.Service) (time.Time, error) {
	if led != nil {
		hist, err := led.History(ctx, cluster, aws.ToString(s.ServiceName), 20)
		if err != nil {
			return time.Time{}, err
		}
		for _, h := range hist {
			if h.TaskDefinition != h.Previous {
				return h.Start, nil
			}
		}
	}
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			return aws.ToTime(d.CreatedAt), nil
		}
	}
	return time.Time{}, nil
}

// applyAnomaly folds the decision into the finding: a deployment to blame
// is rolled back to last-known-good (previous without a ledger), anything
// else goes to a person. It returns the target and the reason to record.
func applyAnomaly(f *Finding, d *anomalyDecision, led *ledger.Ledger, to string) (string, string) {
	if d == nil {
		return to, ""
	}
	f.Problems = append(f.Problems, d.problem)
	if !d.blame {
		f.Escalate = true
		return to, ""
	}
	f.Action = "rollback"
	if led != nil {
		to = "last-known-good"
	}
	return to, d.problem
}
