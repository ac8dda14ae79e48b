package ecssim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Timing holds the simulated durations of the task lifecycle. Zero fields take
// the defaults of DefaultTiming.
type Timing struct {
	// Provisioning is the time a task spends in PROVISIONING (ENI attach).
	Provisioning time.Duration
	// Pull is the time a task spends in PENDING pulling its image.
	Pull time.Duration
	// HealthCheck is the time from RUNNING until a task is healthy (target
	// group or container health check passing) or, with a failing health
	// check, until it is declared unhealthy.
	HealthCheck time.Duration
	// UnhealthyStop is how long an unhealthy task keeps running before the
	// scheduler replaces it.
	UnhealthyStop time.Duration
	// Drain is the time a task takes from being asked to stop until STOPPED
	// (target deregistration delay plus container shutdown).
	Drain time.Duration
	// StoppedRetention is how long STOPPED tasks remain visible to
	// ListTasks/DescribeTasks (ECS keeps them about an hour).
	StoppedRetention time.Duration
	// Tick is the resolution of the simulation.
	Tick time.Duration
}

// DefaultTiming is the timing used when none is given: roughly what a small
// Fargate task behind an ALB shows on AWS, shortened to keep tests quick.
var DefaultTiming = Timing{
	Provisioning:     10 * time.Second,
	Pull:             15 * time.Second,
	HealthCheck:      20 * time.Second,
	UnhealthyStop:    30 * time.Second,
	Drain:            10 * time.Second,
	StoppedRetention: time.Hour,
	Tick:             time.Second,
}

func (t Timing) withDefaults() Timing {
	d := DefaultTiming
	if t.Provisioning > 0 {
		d.Provisioning = t.Provisioning
	}
	if t.Pull > 0 {
		d.Pull = t.Pull
	}
	if t.HealthCheck > 0 {
		d.HealthCheck = t.HealthCheck
	}
	if t.UnhealthyStop > 0 {
		d.UnhealthyStop = t.UnhealthyStop
	}
	if t.Drain > 0 {
		d.Drain = t.Drain
	}
	if t.StoppedRetention > 0 {
		d.StoppedRetention = t.StoppedRetention
	}
	if t.Tick > 0 {
		d.Tick = t.Tick
	}
	return d
}

// Option configures a Sim.
type Option func(*Sim)

// WithRegion sets the region used in ARNs (default us-east-1).
func WithRegion(region string) Option { return func(s *Sim) { s.region = region } }

// WithAccount sets the account ID used in ARNs (default 123456789012).
func WithAccount(account string) Option { return func(s *Sim) { s.account = account } }

// WithTiming overrides the task lifecycle durations.
func WithTiming(t Timing) Option { return func(s *Sim) { s.timing = t.withDefaults() } }

// WithAlarmSource makes the simulator read deployment alarm states from fn
// (for example CloudWatch on moto) instead of only from SetAlarmState. fn is
// called at most once per API call, with the alarm names that an active
// deployment watches; states it returns override those set by SetAlarmState.
func WithAlarmSource(fn func(names []string) map[string]string) Option {
	return func(s *Sim) { s.alarmSource = fn }
}

// WithImageCheck makes every task's image pull ask fn whether each
// container image exists (for example a HEAD of the manifest on a local
// registry). An error fails the pull with CannotPullContainerError and the
// error's text, as deploying a tag that was never pushed does on AWS. fn is
// called with the simulator locked: keep it quick and do not call the Sim.
func WithImageCheck(fn func(image string) error) Option {
	return func(s *Sim) { s.imageCheck = fn }
}

// FaultKind names a way a task can fail.
type FaultKind string

// Fault kinds.
const (
	// FaultImagePull stops the task in PENDING with CannotPullContainerError.
	FaultImagePull FaultKind = "IMAGE_PULL"
	// FaultExit makes the essential container exit with ExitCode After a
	// while in RUNNING.
	FaultExit FaultKind = "EXIT"
	// FaultUnhealthy makes the task fail its load balancer (or container)
	// health check; the scheduler then replaces it.
	FaultUnhealthy FaultKind = "UNHEALTHY"
	// FaultSlowStart delays the task's start by After (a slow pull or a slow
	// application boot); the task then behaves normally.
	FaultSlowStart FaultKind = "SLOW_START"
	// FaultErrors makes ErrorRate of the task's requests answer 5xx
	// (HTTPCode_Target_5XX_Count, see WithMetrics); ECS sees a healthy task.
	FaultErrors FaultKind = "ERRORS"
	// FaultLatencyLeak adds LatencyGrowth to the task's response time for
	// every minute it has been running (TargetResponseTime, see
	// WithMetrics); ECS sees a healthy task.
	FaultLatencyLeak FaultKind = "LATENCY_LEAK"
)

// Fault is an injected failure, matched against each task the simulator
// starts. Image matches any container image with a glob whose '*' and '?'
// also match '/', so "*:broken" matches "127.0.0.1:5000/ns/app:broken" (see
// Fault.Image); TaskDefinition matches a family, family:revision or ARN.
// Empty matchers match everything. Count limits the fault to the first Count
// matching tasks (0 = every matching task), which models flaky starts.
type Fault struct {
	Kind FaultKind
	// Image is a glob over the whole image reference: '*' matches any run
	// of characters including '/' (unlike path.Match), '?' one character,
	// [...] a character class and '\\' quotes the next character. An exact
	// reference matches itself; "*" or "" matches every image.
	Image          string
	TaskDefinition string
	// ExitCode for FaultExit (default 1).
	ExitCode int32
	// After: for FaultExit the time in RUNNING before the exit, for
	// FaultSlowStart the extra start delay.
	After time.Duration
	// Reason overrides the default stopped reason / container reason.
	Reason string
	Count  int
	// ErrorRate is the share (0–1) of requests answered 5xx, for FaultErrors.
	ErrorRate float64
	// LatencyGrowth is the response time added per minute running, for
	// FaultLatencyLeak.
	LatencyGrowth time.Duration

	used int
}

type throttleRule struct{ remaining int }

// Sim is an in-memory ECS control plane driven by a Clock. Its methods have
// the exact aws-sdk-go-v2 ECS client signatures, so a *Sim can stand in for
// an *ecs.Client behind a small interface. Safe for concurrent use.
type Sim struct {
	mu          sync.Mutex
	clock       Clock
	last        time.Time
	region      string
	account     string
	timing      Timing
	alarmSource func([]string) map[string]string
	imageCheck  func(string) error
	metricSink  func([]Datum)
	lbOf        func(string) string
	metricNext  time.Time
	metricAcc   map[*service]*metricAcc

	seq      int
	clusters map[string]*cluster
	families map[string][]*taskDef
	alarms   map[string]string
	faults   []*Fault
	throttle map[string]*throttleRule
	calls    map[string]int
	misuse   []string

	lagMin, lagMax time.Duration
	seed           int64
	rng            *rand.Rand
	buckets        TokenBuckets
	bucket         map[string]*bucketState
	lambdas        map[string]LambdaFunc
}

// New returns a Sim on clock. Pass a *FakeClock in tests.
func New(clock Clock, opts ...Option) *Sim {
	s := &Sim{
		clock:    clock,
		last:     clock.Now(),
		region:   "us-east-1",
		account:  "123456789012",
		timing:   DefaultTiming,
		clusters: map[string]*cluster{},
		families: map[string][]*taskDef{},
		alarms:   map[string]string{},
		throttle: map[string]*throttleRule{},
		calls:    map[string]int{},
		lagMin:   defaultLagMin,
		lagMax:   defaultLagMax,
		seed:     defaultSeed,
		buckets:  DefaultThrottling,
		bucket:   map[string]*bucketState{},
	}
	for _, o := range opts {
		o(s)
	}
	s.rng = newRand(s.seed)
	return s
}

// Clock returns the simulator's clock.
func (s *Sim) Clock() Clock { return s.clock }

// Now returns the simulated time.
func (s *Sim) Now() time.Time { return s.clock.Now() }

// Advance moves the clock forward by d and runs the simulation up to the new
// time.
func (s *Sim) Advance(d time.Duration) {
	s.clock.Advance(d)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
}

// InjectFault adds a failure rule for tasks started from now on.
func (s *Sim) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Kind == FaultExit && f.ExitCode == 0 {
		f.ExitCode = 1
	}
	s.faults = append(s.faults, &f)
}

// InjectFaultRunning is InjectFault whose rule also reaches the matching
// tasks already RUNNING without a fault, from now on (FaultExit's After
// counts from now): an application that starts misbehaving with no
// deployment, as when a dependency it calls breaks.
func (s *Sim) InjectFaultRunning(f Fault) {
	s.InjectFault(f)
	s.mu.Lock()
	defer s.mu.Unlock()
	rule := s.faults[len(s.faults)-1]
	now := s.clock.Now()
	for _, svc := range s.servicesSorted() {
		for _, t := range svc.tasks {
			if t.last != "RUNNING" || !t.alive() || t.fault != nil || !rule.matches(t.td) ||
				rule.Count > 0 && rule.used >= rule.Count {
				continue
			}
			rule.used++
			t.fault = rule
			if rule.Kind == FaultExit {
				t.exitAt = now.Add(rule.After)
			}
		}
	}
}

// ClearFaults removes every injected failure rule.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Throttle makes the next n calls of operation op (e.g. "DescribeServices",
// or "*" for any operation) fail with ThrottlingException "Rate exceeded".
func (s *Sim) Throttle(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle[op] = &throttleRule{remaining: n}
}

// Calls returns how many times each operation was called (throttled calls
// included), keyed by operation name.
func (s *Sim) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// TotalCalls returns the number of API calls made so far.
func (s *Sim) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.calls {
		n += v
	}
	return n
}

// ResetCalls zeroes the call counters.
func (s *Sim) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
}

// SetAlarmState sets a CloudWatch alarm's state ("OK", "ALARM",
// "INSUFFICIENT_DATA") as seen by deployment alarms.
func (s *Sim) SetAlarmState(name, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	s.alarms[name] = state
}

// AlarmState returns an alarm's state; alarms never set are "OK".
func (s *Sim) AlarmState(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.alarms[name]; ok {
		return st
	}
	return "OK"
}

// DeregisteredInUse lists task-definition ARNs that were deregistered while
// a service still ran or targeted them. ECS allows this; a deployer that
// promises never to do it can assert this list stays empty.
func (s *Sim) DeregisteredInUse() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.misuse...)
}

// begin counts a call, applies injected throttling and the token buckets,
// and brings the simulation up to date. The caller holds s.mu.
func (s *Sim) begin(op string) error {
	s.calls[op]++
	for _, key := range []string{op, "*"} {
		if r := s.throttle[key]; r != nil && r.remaining > 0 {
			r.remaining--
			return throttled()
		}
	}
	if !s.takeToken(op) {
		return throttled()
	}
	s.sync()
	return nil
}

// sync runs the simulation from the last simulated instant to the clock's
// time, one Tick at a time. The caller holds s.mu.
func (s *Sim) sync() {
	now := s.clock.Now()
	if !now.After(s.last) {
		return
	}
	s.pollAlarmSource()
	for s.last.Before(now) {
		if !s.busyLocked() {
			// nothing can change until the next API call: jump
			s.last = now
			s.tick(now)
			return
		}
		next := s.last.Add(s.timing.Tick)
		if next.After(now) {
			next = now
		}
		s.last = next
		s.tick(next)
	}
}

func (s *Sim) pollAlarmSource() {
	if s.alarmSource == nil {
		return
	}
	seen := map[string]bool{}
	var names []string
	for _, c := range s.clusters {
		for _, svc := range c.services {
			if r := svc.current; r != nil && r.active() && r.alarmsEnabled() {
				for _, n := range r.cfg.Alarms.AlarmNames {
					if !seen[n] {
						seen[n] = true
						names = append(names, n)
					}
				}
			}
		}
	}
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	for k, v := range s.alarmSource(names) {
		s.alarms[k] = v
	}
}

func (s *Sim) alarmState(name string) string {
	if st, ok := s.alarms[name]; ok {
		return st
	}
	return "OK"
}

// nextID returns a deterministic hex identifier of n characters.
func (s *Sim) nextID(kind string, n int) string {
	s.seq++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", kind, s.seq)))
	return hex.EncodeToString(sum[:])[:n]
}

func (s *Sim) arn(resource string) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:%s", s.region, s.account, resource)
}

// faultFor picks the first fault matching a task about to start.
func (s *Sim) faultFor(td *taskDef) *Fault {
	for _, f := range s.faults {
		if f.Count > 0 && f.used >= f.Count {
			continue
		}
		if f.matches(td) {
			f.used++
			return f
		}
	}
	return nil
}

// matches reports whether the rule's matchers select td.
func (f *Fault) matches(td *taskDef) bool {
	if f.TaskDefinition != "" && f.TaskDefinition != td.family &&
		f.TaskDefinition != td.familyRev() && f.TaskDefinition != td.arn {
		return false
	}
	if f.Image == "" {
		return true
	}
	for _, c := range td.def.ContainerDefinitions {
		if c.Image != nil && matchImage(f.Image, *c.Image) {
			return true
		}
	}
	return false
}

// resolveName returns the last path element of an ARN, or the name itself.
func resolveName(nameOrARN string) string {
	if strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN[strings.LastIndex(nameOrARN, "/")+1:]
	}
	return nameOrARN
}

func clientErr(format string, a ...any) error {
	return &types.ClientException{Message: ptr(fmt.Sprintf(format, a...))}
}

func invalidParam(format string, a ...any) error {
	return &types.InvalidParameterException{Message: ptr(fmt.Sprintf(format, a...))}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func itoa(n int) string { return fmt.Sprint(n) }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func sortStrings(s []string) { sort.Strings(s) }

// busy reports whether anything is changing: a deployment in progress or a
// task on its way up or down.
func (s *Sim) busy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busyLocked()
}

func (s *Sim) busyLocked() bool {
	for _, c := range s.clusters {
		for _, svc := range c.services {
			if r := svc.current; r != nil && r.active() {
				return true
			}
			if !svc.steady && svc.status == "ACTIVE" {
				return true
			}
			for _, t := range svc.tasks {
				if t.last == "STOPPED" {
					continue
				}
				settled := t.last == "RUNNING" && t.alive() && t.health == types.HealthStatusHealthy
				if !settled || t.fault != nil && t.fault.Kind == FaultExit {
					return true // still changing, or bound to exit later
				}
			}
		}
	}
	return false
}
