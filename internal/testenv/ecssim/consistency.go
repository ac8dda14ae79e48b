package ecssim

import (
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// The ECS API is eventually consistent: a change made by one call may not be
// visible to the next one for a short while
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/Welcome.html,
// "eventual consistency"). The simulator models this for the writes a
// deployer depends on — CreateService, UpdateService and
// StopServiceDeployment — and for new tasks: the simulation itself changes
// at once, only what the read operations return lags behind.

// Default read-after-write window and seed.
const (
	defaultLagMin = time.Second
	defaultLagMax = 3 * time.Second
	defaultSeed   = 1
)

// WithReadLag sets the read-after-write window: after CreateService,
// UpdateService or StopServiceDeployment the service's reads show the state
// from before the write for a duration drawn uniformly from [min, max] (a
// seeded pseudo-random draw per write, see WithSeed), and a new task stays
// out of ListTasks/DescribeTasks for such a draw after it starts. The
// default is 1–3 s; WithReadLag(0, 0) makes every read current.
func WithReadLag(min, max time.Duration) Option {
	return func(s *Sim) {
		s.lagMin, s.lagMax = max0(min), max0(max)
		if s.lagMax < s.lagMin {
			s.lagMax = s.lagMin
		}
	}
}

// WithSeed seeds the pseudo-random draws of the simulator (read lag
// jitter). The same seed and the same calls give the same answers. The
// default seed is 1.
func WithSeed(seed int64) Option { return func(s *Sim) { s.seed = seed } }

func max0(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x65637373696d)) //nolint:gosec // simulation jitter, not security
}

// lag draws one read-after-write delay.
func (s *Sim) lag() time.Duration {
	if s.lagMax <= 0 {
		return 0
	}
	span := int64(s.lagMax - s.lagMin)
	if span <= 0 {
		return s.lagMin
	}
	return s.lagMin + time.Duration(s.rng.Int64N(span+1))
}

// serviceView is what reads of one service return while a write to it is
// not yet visible: the service and its service deployments as they were
// before the write.
type serviceView struct {
	until time.Time
	// exists is false after CreateService: the service is not visible yet.
	exists   bool
	service  types.Service
	rollouts []types.ServiceDeployment // newest first, as listed
	// revisions are the service revision ARNs that existed before the write
	revisions map[string]bool
}

// staleFor reports the view reads of svc get now, or nil when reads are
// current.
func (s *Sim) staleFor(svc *service) *serviceView {
	if v := svc.view; v != nil && s.clock.Now().Before(v.until) {
		return v
	}
	return nil
}

// beforeWrite records what reads of svc show until the write that follows
// becomes visible. A second write inside the window keeps the oldest view
// and extends it: reads never jump ahead of an earlier write. The caller
// holds s.mu and calls it before changing svc.
func (s *Sim) beforeWrite(svc *service) {
	d := s.lag()
	if d <= 0 {
		return
	}
	until := s.clock.Now().Add(d)
	if v := s.staleFor(svc); v != nil {
		if until.After(v.until) {
			v.until = until
		}
		return
	}
	v := &serviceView{until: until, exists: true, service: s.serviceOut(svc, true), revisions: map[string]bool{}}
	for arn := range svc.revisions {
		v.revisions[arn] = true
	}
	for i := len(svc.rollouts) - 1; i >= 0; i-- {
		v.rollouts = append(v.rollouts, s.rolloutOut(svc.rollouts[i]))
	}
	svc.view = v
}

// afterCreate hides a new service from reads for one lag draw.
func (s *Sim) afterCreate(svc *service) {
	if d := s.lag(); d > 0 {
		svc.view = &serviceView{until: s.clock.Now().Add(d)}
	}
}

// visibleService returns what DescribeServices shows of svc, and false if
// the service is not visible (yet).
func (s *Sim) visibleService(svc *service, tags bool) (types.Service, bool) {
	v := s.staleFor(svc)
	if v == nil {
		return s.serviceOut(svc, tags), true
	}
	if !v.exists {
		return types.Service{}, false
	}
	out := v.service
	if !tags {
		out.Tags = nil
	}
	return out, true
}

// visibleRollouts returns svc's service deployments as reads see them,
// newest first.
func (s *Sim) visibleRollouts(svc *service) []types.ServiceDeployment {
	if v := s.staleFor(svc); v != nil {
		return v.rollouts
	}
	out := make([]types.ServiceDeployment, 0, len(svc.rollouts))
	for i := len(svc.rollouts) - 1; i >= 0; i-- {
		out = append(out, s.rolloutOut(svc.rollouts[i]))
	}
	return out
}

// visibleRollout returns how a read sees r, and false when r is not
// visible yet.
func (s *Sim) visibleRollout(r *rollout) (types.ServiceDeployment, bool) {
	v := s.staleFor(r.svc)
	if v == nil {
		return s.rolloutOut(r), true
	}
	for _, sd := range v.rollouts {
		if deref(sd.ServiceDeploymentArn) == r.arn {
			return sd, true
		}
	}
	return types.ServiceDeployment{}, false
}

// revisionVisible reports whether reads show svc's service revision arn
// yet: a revision created by a write that is not visible yet is not.
func (s *Sim) revisionVisible(svc *service, arn string) bool {
	if v := s.staleFor(svc); v != nil {
		return v.revisions[arn]
	}
	return true
}

// taskVisible reports whether reads list t yet.
func (s *Sim) taskVisible(t *task) bool {
	return !s.clock.Now().Before(t.visible)
}
