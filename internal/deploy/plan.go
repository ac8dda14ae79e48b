package deploy

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// Status is the outcome of a deployment.
type Status string

// Outcomes, as the status output spells them.
const (
	Succeeded  Status = "succeeded"
	RolledBack Status = "rolled-back"
	Failed     Status = "failed"
	// Started: the deployment was started and not waited for (wait:
	// false); nothing is known about its outcome.
	Started Status = "started"
	// Locked: another run held a service's ledger lock past lock-timeout;
	// this run changed nothing.
	Locked Status = "locked"
)

// Strategy is the deployment strategy to ask ECS for. Kind "" keeps what
// the service already uses.
type Strategy struct {
	Kind              string // "", "rolling", "blue-green", "canary", "linear"
	BakeTime          time.Duration
	CanaryPercent     float64
	CanaryBakeTime    time.Duration
	LinearStepPercent float64
	LinearInterval    time.Duration
}

// Source says where a service's task definition comes from.
type Source struct {
	// Doc is a task definition read from a file. Nil means: start from the
	// revision named by Revision, or from the service's live revision.
	Doc *taskdef.Doc
	// Revision is an ARN or family:revision to start from.
	Revision string
}

// Target is one service to deploy.
type Target struct {
	Service string
	Source  Source
	// Renders apply to the task definition before registering (images,
	// environment, ...). Containers missing from the task definition are
	// a bad input.
	Renders []taskdef.Render
	// DesiredCount, when set, is sent with UpdateService.
	DesiredCount *int32
	// HealthCheckURL overrides Gates.HealthCheckURL for this service.
	HealthCheckURL string
}

// Gates are the checks a new revision must pass: at each PAUSE lifecycle
// hook, while the deployment runs (alarms) and before it is declared done.
type Gates struct {
	HealthCheckURL       string
	HealthCheckStatus    int // expected status; 0 means 200
	HealthCheckSuccesses int // consecutive successes; 0 means 3
	HealthCheckFailures  int // consecutive failures that fail the gate; 0 means 3
	Alarms               []string
	Metrics              []MetricGate
	// Anomaly are metrics judged against CloudWatch's anomaly detection band.
	Anomaly []AnomalyGate
}

// Empty reports whether no gate is configured.
func (g Gates) Empty() bool {
	return g.HealthCheckURL == "" && len(g.Alarms) == 0 && len(g.Metrics) == 0 && len(g.Anomaly) == 0
}

// Plan is a whole deploy-ecs run.
type Plan struct {
	Cluster            string
	Waves              [][]Target
	Strategy           Strategy
	ForceNewDeployment bool
	Gates              Gates
	// Wait for the deployment to finish; false returns after UpdateService.
	Wait              bool
	Timeout           time.Duration
	RollbackOnFailure bool
	// FailedTasksThreshold: this many stopped tasks of the new revision fail
	// the deployment without waiting for ECS's circuit breaker. 0 leaves
	// the verdict to ECS.
	FailedTasksThreshold int
	// AllowFamilyChange lets a service receive a task definition of another
	// family than the one it runs.
	AllowFamilyChange bool
	// SkipMissingContainers applies each render only to the services whose
	// task definition has its container (several services sharing the
	// render inputs); a render no service has is a bad input.
	SkipMissingContainers bool
}

// gatesFor returns the gates of one service: the plan's, with the
// service's own health-check URL when it has one.
func (p *Plan) gatesFor(t Target) Gates {
	g := p.Gates
	if t.HealthCheckURL != "" {
		g.HealthCheckURL = t.HealthCheckURL
	}
	return g
}

// Services returns every service of the plan in wave order.
func (p *Plan) Services() []string {
	var out []string
	for _, w := range p.Waves {
		for _, t := range w {
			out = append(out, t.Service)
		}
	}
	return out
}

// ParseOrder splits services into waves. order is like
// "bedrock-access-gateway,mcpo > open-webui"; services not named in order
// form a last wave. An empty order puts every service in one wave.
// Errors name the "order" input.
func ParseOrder(services []string, order string) ([][]string, error) {
	known := map[string]bool{}
	for _, s := range services {
		known[s] = true
	}
	if strings.TrimSpace(order) == "" {
		return [][]string{append([]string(nil), services...)}, nil
	}
	placed := map[string]bool{}
	var waves [][]string
	for _, part := range strings.Split(strings.ReplaceAll(order, "\n", ">"), ">") {
		var wave []string
		for _, s := range strings.Split(part, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if !known[s] {
				return nil, fmt.Errorf("service %q is not one of the services to deploy (%s)", s, strings.Join(services, ", "))
			}
			if placed[s] {
				return nil, fmt.Errorf("service %q appears twice", s)
			}
			placed[s] = true
			wave = append(wave, s)
		}
		if len(wave) > 0 {
			waves = append(waves, wave)
		}
	}
	var rest []string
	for _, s := range services {
		if !placed[s] {
			rest = append(rest, s)
		}
	}
	if len(rest) > 0 {
		waves = append(waves, rest)
	}
	return waves, nil
}

// RenderInput names the input a render came from: a container given only
// through images, or container-name.
func RenderInput(r taskdef.Render) string {
	if r.Environment == nil && r.Secrets == nil && r.DockerLabels == nil && r.Command == nil && r.LogDriver == "" && r.LogOptions == nil {
		return "images"
	}
	return "container-name"
}
