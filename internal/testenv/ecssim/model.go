package ecssim

import (
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

type cluster struct {
	name, arn string
	created   time.Time
	tags      []types.Tag
	settings  []types.ClusterSetting
	services  map[string]*service
	order     []string
}

type service struct {
	c          *cluster
	name, arn  string
	desired    int32
	cfg        types.DeploymentConfiguration
	controller types.DeploymentControllerType
	lbs        []types.LoadBalancer
	net        *types.NetworkConfiguration
	launchType types.LaunchType
	platform   string
	grace      *int32
	tags       []types.Tag
	created    time.Time
	status     string

	serviceConnect *types.ServiceConnectConfiguration

	deps     []*dep // legacy deployments; deps[0] is PRIMARY
	tasks    []*task
	events   []types.ServiceEvent // newest first
	rollouts []*rollout           // oldest first
	// revisions are the service revisions by ARN, deleted with the service
	revisions map[string]types.ServiceRevision
	current   *rollout
	stable    *dep // last deployment that completed
	revSeq    int
	steady    bool // a steady-state event was written since the last change

	registered, deregistered int // target changes not yet reported in an event

	// view is what reads return while the last write is not yet visible
	view *serviceView
}

// dep is a "deployment" as DescribeServices shows it (one per service
// revision being run), as opposed to a service deployment (rollout).
type dep struct {
	id       string
	revArn   string
	td       *taskDef
	status   string // PRIMARY, ACTIVE
	state    types.DeploymentRolloutState
	reason   string
	want     int32
	failed   int32 // consecutive failed tasks, until ran
	ran      bool  // a task of this deployment reached RUNNING
	created  time.Time
	updated  time.Time
	launch   bool
	ro       *rollout
	prod     float64 // production traffic weight, percent
	test     float64
	finished bool
}

type hookRun struct {
	id      string
	hook    types.DeploymentLifecycleHook
	status  types.DeploymentLifecycleHookStatus
	expires time.Time
	action  types.DeploymentLifecycleHookAction
	// AWS_LAMBDA hooks: next invocation, invocations so far, first one
	next     time.Time
	attempts int
	first    time.Time
}

// rollout is a service deployment (DescribeServiceDeployments).
type rollout struct {
	svc      *service
	arn      string
	target   *dep
	blue     *dep // the revision serving production when the rollout began
	sources  []*dep
	status   types.ServiceDeploymentStatus
	reason   string
	stage    types.ServiceDeploymentLifecycleStage
	cfg      types.DeploymentConfiguration
	strategy types.DeploymentStrategy

	created, updated            time.Time
	started, finished, stoppedT *time.Time

	cbThreshold int32
	cbCount     int32 // failures since the last reset (ResetOnHealthyTask)
	rbFailures  int32
	aborted     bool
	cbStatus    types.ServiceDeploymentRollbackMonitorsStatus
	alarmStatus types.ServiceDeploymentRollbackMonitorsStatus
	triggered   []string
	rb          *types.Rollback
	rbDep       *dep

	phase     int
	hookKey   string
	hooks     []*hookRun
	steps     []float64
	step      int
	waitUntil time.Time
	// initial marks the first deployment of a new service: with no
	// revision to shift traffic from it simply scales up.
	initial bool
}

type task struct {
	arn, id   string
	svc       *service
	d         *dep
	td        *taskDef
	fault     *Fault
	last      string // PROVISIONING, PENDING, RUNNING, DEACTIVATING, STOPPING, STOPPED
	desired   string
	created   time.Time
	pullStart *time.Time
	pullStop  *time.Time
	started   *time.Time
	stopping  *time.Time
	stopped   *time.Time
	next      time.Time
	healthyAt time.Time
	exitAt    time.Time
	health    types.HealthStatus
	// wasHealthy: the task passed its health checks at least once
	wasHealthy bool
	target     string // "", initial, healthy, unhealthy, draining
	stopCode   types.TaskStopCode
	reason     string
	exitCode   *int32
	cReason    string
	// pullFailed is the index+1 of the container whose image check failed
	pullFailed int
	ip         string
	az         string
	version    int64
	// visible is when reads first list the task (eventual consistency)
	visible time.Time
}

func (r *rollout) active() bool {
	switch r.status {
	case types.ServiceDeploymentStatusPending, types.ServiceDeploymentStatusInProgress,
		types.ServiceDeploymentStatusRollbackRequested, types.ServiceDeploymentStatusRollbackInProgress,
		types.ServiceDeploymentStatusStopRequested:
		return true
	}
	return false
}

func (r *rollout) rollingBack() bool {
	return r.status == types.ServiceDeploymentStatusRollbackRequested || r.status == types.ServiceDeploymentStatusRollbackInProgress
}

func (r *rollout) native() bool {
	if r.initial {
		return false
	}
	switch r.strategy {
	case types.DeploymentStrategyBlueGreen, types.DeploymentStrategyCanary, types.DeploymentStrategyLinear:
		return true
	}
	return false
}

func (r *rollout) alarmsEnabled() bool {
	return r.cfg.Alarms != nil && r.cfg.Alarms.Enable && len(r.cfg.Alarms.AlarmNames) > 0
}

func (r *rollout) cbEnabled() bool {
	return r.cfg.DeploymentCircuitBreaker != nil && r.cfg.DeploymentCircuitBreaker.Enable
}

// cbResets reports whether a healthy task resets the failure count (the
// ECS default).
func (r *rollout) cbResets() bool {
	cb := r.cfg.DeploymentCircuitBreaker
	return cb == nil || cb.ResetOnHealthyTask == nil || *cb.ResetOnHealthyTask
}

func (r *rollout) cbRollback() bool {
	return r.cfg.DeploymentCircuitBreaker != nil && r.cfg.DeploymentCircuitBreaker.Rollback
}

// circuitBreakerThreshold is half the desired count rounded up, at least 3
// and at most 200, unless a threshold configuration says otherwise.
func circuitBreakerThreshold(cb *types.DeploymentCircuitBreaker, desired int32) int32 {
	pct := 50.0
	kind := types.ThresholdTypeBoundedPercent
	if cb != nil && cb.ThresholdConfiguration != nil {
		kind = cb.ThresholdConfiguration.Type
		pct = float64(cb.ThresholdConfiguration.Value)
		if kind == types.ThresholdTypeCount {
			return max(cb.ThresholdConfiguration.Value, 1)
		}
	}
	n := int32(math.Ceil(pct / 100 * float64(desired)))
	if kind == types.ThresholdTypeUnboundedPercent {
		return max(n, 1)
	}
	return min(max(n, 3), 200)
}

func (t *task) alive() bool { return t.desired == "RUNNING" }

func (t *task) ready() bool {
	return t.alive() && t.last == "RUNNING" && t.health != types.HealthStatusUnhealthy && !t.healthyAt.IsZero() && t.health == types.HealthStatusHealthy
}

func (s *service) live(d *dep) (live, ready, running, pending int32) {
	for _, t := range s.tasks {
		if t.d != d {
			continue
		}
		if t.alive() {
			live++
			if t.ready() {
				ready++
			}
		}
		switch t.last {
		case "RUNNING":
			running++
		case "PROVISIONING", "PENDING", "ACTIVATING":
			pending++
		}
	}
	return
}

func (s *service) event(now time.Time, sim *Sim, format string, a ...any) {
	ev := types.ServiceEvent{
		Id:        ptr(uuidLike(sim.nextID("event", 32))),
		CreatedAt: ptr(now),
		Message:   ptr(fmt.Sprintf("(service %s) ", s.name) + fmt.Sprintf(format, a...)),
	}
	s.events = append([]types.ServiceEvent{ev}, s.events...)
	if len(s.events) > 100 {
		s.events = s.events[:100]
	}
}

func uuidLike(h string) string {
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *service) primary() *dep {
	if len(s.deps) == 0 {
		return nil
	}
	return s.deps[0]
}

func (s *service) hasLB() bool { return len(s.lbs) > 0 }

func (s *service) targetGroup() string {
	for _, lb := range s.lbs {
		if lb.TargetGroupArn != nil {
			return *lb.TargetGroupArn
		}
	}
	return ""
}
