package ecssim

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// tick advances every service by one simulation step at time now.
func (s *Sim) tick(now time.Time) {
	for _, svc := range s.servicesSorted() {
		s.tickService(svc, now)
	}
	s.publishMetrics(now)
}

func (s *Sim) tickService(svc *service, now time.Time) {
	for _, t := range svc.tasks {
		s.tickTask(svc, t, now)
	}
	s.targetEvents(svc, now)
	// forget stopped tasks after the retention period
	kept := svc.tasks[:0]
	for _, t := range svc.tasks {
		if t.stopped != nil && now.Sub(*t.stopped) > s.timing.StoppedRetention {
			continue
		}
		kept = append(kept, t)
	}
	svc.tasks = kept
	if r := svc.current; r != nil && r.active() {
		s.advanceRollout(r, now)
	}
	s.schedule(svc, now)
	s.drained(svc)
	s.checkSettled(svc, now)
}

// drained moves a deleted service from DRAINING to INACTIVE once every
// task is STOPPING or past it (DeleteService, API reference: "After all
// tasks have transitioned to either STOPPING or STOPPED status, the service
// status moves from DRAINING to INACTIVE"). It runs on a tick, never in the
// DeleteService call itself, so a caller always sees DRAINING first.
func (s *Sim) drained(svc *service) {
	if svc.status != "DRAINING" {
		return
	}
	for _, t := range svc.tasks {
		switch t.last {
		case "STOPPING", "DEPROVISIONING", "STOPPED":
		default:
			return
		}
	}
	svc.status = "INACTIVE"
}

// tickTask moves one task along PROVISIONING → PENDING → RUNNING (→ STOPPED).
func (s *Sim) tickTask(svc *service, t *task, now time.Time) {
	if t.last == "STOPPED" || now.Before(t.next) && t.last != "RUNNING" {
		return
	}
	switch t.last {
	case "PROVISIONING":
		t.last = "PENDING"
		t.pullStart = ptr(now)
		t.next = now.Add(s.timing.Pull)
		if t.fault != nil && t.fault.Kind == FaultSlowStart {
			t.next = t.next.Add(t.fault.After)
		}
		t.version++
	case "PENDING":
		s.tickPending(svc, t, now)
	case "RUNNING":
		s.tickRunning(svc, t, now)
	case "DEACTIVATING", "STOPPING", "DEPROVISIONING":
		s.finishStop(t, now)
	}
}

// tickRunning moves a running task through its health checks and the
// faults set on it: an exit, an unhealthy verdict and the stop after it.
func (s *Sim) tickRunning(svc *service, t *task, now time.Time) {
	if !t.alive() {
		if !now.Before(t.next) {
			s.finishStop(t, now)
		}
		return
	}
	if t.fault != nil && t.fault.Kind == FaultExit && !now.Before(t.exitAt) {
		t.exitCode = ptr(t.fault.ExitCode)
		t.cReason = t.fault.Reason
		reason := "Essential container in task exited"
		s.stopTask(svc, t, now, types.TaskStopCodeEssentialContainerExited, reason, true)
		return
	}
	if t.health == types.HealthStatusUnknown && !now.Before(t.healthyAt) {
		if t.fault != nil && t.fault.Kind == FaultUnhealthy {
			t.health = types.HealthStatusUnhealthy
			t.version++
			if svc.hasLB() {
				t.target = "unhealthy"
				port := int32(0)
				if p := svc.lbs[0].ContainerPort; p != nil {
					port = *p
				}
				svc.event(now, s, "(port %d) is unhealthy in (target-group %s) due to (reason Health checks failed).", port, svc.targetGroup())
			} else {
				svc.event(now, s, "(task %s) failed container health checks.", t.id)
			}
			t.exitAt = now.Add(s.timing.UnhealthyStop)
		} else {
			t.health = types.HealthStatusHealthy
			t.wasHealthy = true
			t.version++
			if r := t.d.ro; r != nil && r.active() && t.d == r.target && r.cbResets() {
				r.cbCount = 0
			}
			if svc.hasLB() {
				t.target = "healthy"
			}
		}
	}
	if t.health == types.HealthStatusUnhealthy && !now.Before(t.exitAt) {
		reason := "Task failed container health checks"
		if svc.hasLB() {
			reason = fmt.Sprintf("Task failed ELB health checks in (target-group %s)", svc.targetGroup())
		}
		if t.fault != nil && t.fault.Reason != "" {
			reason = t.fault.Reason
		}
		s.stopTask(svc, t, now, types.TaskStopCodeServiceSchedulerInitiated, reason, true)
		svc.event(now, s, "has stopped 1 running tasks: (task %s).", t.id)
	}
}

// tickPending ends a task's image pull: the task stops when a pull fault
// or the image check fails, else it runs, registered with the target group
// when the service has one.
func (s *Sim) tickPending(svc *service, t *task, now time.Time) {
	if t.fault != nil && t.fault.Kind == FaultImagePull {
		img := t.fault.Image
		for _, c := range t.td.def.ContainerDefinitions {
			if c.Image != nil && (img == "" || matchImage(img, *c.Image)) {
				img = *c.Image
				break
			}
		}
		reason := t.fault.Reason
		if reason == "" {
			reason = fmt.Sprintf("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref %s: not found", img)
		}
		t.cReason = reason
		s.stopTask(svc, t, now, types.TaskStopCodeTaskFailedToStart, reason, true)
		return
	}
	if s.imageCheck != nil && t.fault == nil {
		for i, c := range t.td.def.ContainerDefinitions {
			if c.Image == nil {
				continue
			}
			if err := s.imageCheck(*c.Image); err != nil {
				t.pullFailed = i + 1
				t.cReason = fmt.Sprintf("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref %s: %v", *c.Image, err)
				s.stopTask(svc, t, now, types.TaskStopCodeTaskFailedToStart, t.cReason, true)
				return
			}
		}
	}
	t.pullStop = ptr(now)
	t.last = "RUNNING"
	t.started = ptr(now)
	t.version++
	// Deployment.FailedTasks: once the deployment has a running task
	// the count is 0 and no longer evaluated (SDK doc comment)
	t.d.failed, t.d.ran = 0, true
	t.health = types.HealthStatusUnknown
	if svc.hasLB() {
		t.target = "initial"
		svc.registered++
	}
	check := s.timing.HealthCheck
	if !svc.hasLB() && !t.td.hasContainerHealthCheck() {
		check = 0
	}
	t.healthyAt = now.Add(check)
	if t.fault != nil && t.fault.Kind == FaultExit {
		t.exitAt = now.Add(t.fault.After)
	}
	s.tickTask(svc, t, now) // a zero-length check completes at once
}

// matchImage reports whether image matches the glob pattern (see
// Fault.Image): '*' matches any run of characters including '/', '?' one
// character, [...] a character class ([!...] or [^...] negated), '\\'
// quotes the next character. A malformed pattern matches only itself.
func matchImage(pattern, image string) bool {
	if pattern == image {
		return true
	}
	re, ok := imageGlob(pattern)
	return ok && re.MatchString(image)
}

// imageGlob turns an image pattern into an anchored regular expression.
func imageGlob(pattern string) (*regexp.Regexp, bool) {
	var b strings.Builder
	b.WriteString(`\A(?s:`)
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '\\':
			i++
			if i == len(pattern) {
				return nil, false
			}
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		case '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				return nil, false
			}
			class := pattern[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			if class == "" || class == "^" {
				return nil, false
			}
			b.WriteString("[" + class + "]")
			i += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)\z`)
	re, err := regexp.Compile(b.String())
	return re, err == nil
}

// stopTask asks a task to stop. failed marks a failure that counts toward
// the circuit breaker.
func (s *Sim) stopTask(svc *service, t *task, now time.Time, code types.TaskStopCode, reason string, failed bool) {
	if !t.alive() {
		return
	}
	t.desired = "STOPPED"
	t.stopCode = code
	t.reason = reason
	t.stopping = ptr(now)
	t.version++
	switch {
	case t.last == "RUNNING" && t.target != "":
		t.target = "draining"
		t.last = "DEACTIVATING"
	case t.last == "RUNNING":
		t.last = "STOPPING"
	default: // never started: release the network interface
		t.last = "DEPROVISIONING"
	}
	t.next = now.Add(s.timing.Drain)
	// a task that passed its health checks and stops later is not a
	// failed task: the circuit breaker counts tasks that never reach
	// RUNNING (stage 1) or are stopped before passing their health checks
	// (stage 2)
	if failed && !t.wasHealthy {
		s.taskFailed(svc, t.d, now)
	}
}

func (s *Sim) finishStop(t *task, now time.Time) {
	if t.last == "STOPPED" {
		return
	}
	if t.last == "DEACTIVATING" && t.svc.hasLB() {
		t.svc.deregistered++
	}
	t.last = "STOPPED"
	t.stopped = ptr(now)
	t.target = ""
	t.version++
}

// taskFailed counts a failed task in its deployment's failedTasks (until
// the deployment has a running task) and against its circuit breaker.
func (s *Sim) taskFailed(svc *service, d *dep, now time.Time) {
	if !d.ran {
		d.failed++
	}
	d.updated = now
	r := d.ro
	if r == nil || !r.active() || !r.cbEnabled() {
		return
	}
	threshold := r.cbThreshold
	if d == r.rbDep {
		if r.rbFailures++; r.rbFailures < threshold {
			return
		}
		if r.status != types.ServiceDeploymentStatusRollbackFailed {
			d.state = types.DeploymentRolloutStateFailed
			d.reason = "ECS deployment circuit breaker: tasks failed to start."
			d.launch = false
			r.status = types.ServiceDeploymentStatusRollbackFailed
			r.reason = "Rollback failed: tasks of the previous service revision failed to start."
			r.cbStatus = types.ServiceDeploymentRollbackMonitorsStatusTriggered
			r.finished = ptr(now)
			r.updated = now
			svc.event(now, s, "(deployment %s) deployment failed: tasks failed to start.", d.id)
		}
		return
	}
	if d != r.target || r.rollingBack() {
		return
	}
	if r.cbCount++; r.cbCount < threshold {
		return
	}
	r.cbStatus = types.ServiceDeploymentRollbackMonitorsStatusTriggered
	s.failRollout(r, now, "tasks failed to start", "ECS deployment circuit breaker: tasks failed to start.", r.cbRollback())
}

// failRollout marks the rollout's target deployment FAILED and rolls back
// when asked to.
func (s *Sim) failRollout(r *rollout, now time.Time, why, reason string, rollback bool) {
	svc := r.svc
	d := r.target
	d.state = types.DeploymentRolloutStateFailed
	d.reason = reason
	d.launch = false
	d.updated = now
	r.updated = now
	svc.steady = false
	svc.event(now, s, "(deployment %s) deployment failed: %s.", d.id, why)
	if rollback {
		s.startRollback(r, now, reason)
		return
	}
	r.status = types.ServiceDeploymentStatusStopped
	r.reason = reason
	r.stoppedT = ptr(now)
	r.finished = ptr(now)
}

// startRollback returns the service to the revision that last completed.
func (s *Sim) startRollback(r *rollout, now time.Time, reason string) {
	svc := r.svc
	r.updated = now
	stable := svc.stable
	if stable == nil || stable == r.target {
		r.status = types.ServiceDeploymentStatusRollbackFailed
		r.reason = "Rollback failed: there is no previous service revision to roll back to."
		r.finished = ptr(now)
		return
	}
	r.status = types.ServiceDeploymentStatusRollbackInProgress
	r.reason = reason
	r.rb = &types.Rollback{Reason: ptr(reason), StartedAt: ptr(now), ServiceRevisionArn: ptr(stable.revArn)}
	r.target.launch = false
	if r.target.state != types.DeploymentRolloutStateFailed {
		r.target.state = types.DeploymentRolloutStateFailed
		r.target.reason = reason
	}
	r.target.prod, r.target.test = 0, 0
	svc.steady = false
	if s.depAlive(svc, stable) {
		// the last completed revision still runs (blue, or the old tasks of
		// a rolling update held by minimumHealthyPercent): return traffic
		// to it and drain the failed revision
		stable.prod = 100
		s.makePrimary(svc, stable, now)
		svc.event(now, s, "rolling back to deployment %s.", stable.id)
		return
	}
	rb := s.newDep(svc, stable.td, now)
	// ECS creates no service revision for a rollback: it deploys the last
	// successful one again (developer guide, service revisions)
	rb.revArn = stable.revArn
	rb.ro = r
	rb.prod = 100
	r.rbDep = rb
	s.makePrimary(svc, rb, now)
	svc.event(now, s, "rolling back to deployment %s.", stable.id)
}

func (s *Sim) depAlive(svc *service, d *dep) bool {
	for _, x := range svc.deps {
		if x == d {
			return true
		}
	}
	return false
}

func (s *Sim) makePrimary(svc *service, d *dep, now time.Time) {
	out := []*dep{d}
	for _, x := range svc.deps {
		if x != d {
			x.status = "ACTIVE"
			x.updated = now
			out = append(out, x)
		}
	}
	d.status = "PRIMARY"
	d.updated = now
	svc.deps = out
}

func (s *Sim) newDep(svc *service, td *taskDef, now time.Time) *dep {
	s.seq++
	svc.revSeq++
	return &dep{
		id:      fmt.Sprintf("ecs-svc/%019d", 1000000000000000000+int64(s.seq)*7919),
		revArn:  s.arn(fmt.Sprintf("service-revision/%s/%s/%d", svc.c.name, svc.name, 4000000000000000000+int64(s.seq)*104729)),
		td:      td,
		status:  "PRIMARY",
		state:   types.DeploymentRolloutStateInProgress,
		created: now,
		updated: now,
		launch:  true,
	}
}

// wants returns how many tasks the scheduler keeps for d.
func (s *Sim) wants(svc *service, d *dep) int32 {
	r := svc.current
	if r != nil && r.aborted && r.native() && (d == r.target || d == r.blue) {
		// an aborted native deployment stays where it stopped: both
		// revisions keep their tasks and traffic weights
		return svc.desired
	}
	if r != nil && r.active() && r.native() && !r.rollingBack() {
		switch d {
		case r.target:
			if r.phase <= phasePreScaleUp {
				return 0
			}
			return svc.desired
		case r.blue:
			if r.phase >= phaseCleanUp {
				return 0
			}
			return svc.desired
		}
		return 0
	}
	if d == svc.primary() {
		return svc.desired
	}
	return 0
}

// schedule starts and stops tasks so every deployment approaches its want,
// within the service's maximumPercent / minimumHealthyPercent.
func (s *Sim) schedule(svc *service, now time.Time) {
	if svc.status != "ACTIVE" {
		for _, t := range svc.tasks {
			s.stopTask(svc, t, now, types.TaskStopCodeServiceSchedulerInitiated, "Service deleted", false)
		}
		return
	}
	native := svc.current != nil && svc.current.active() && svc.current.native()
	var totalLive, totalReady int32
	for _, d := range svc.deps {
		l, r, _, _ := svc.live(d)
		totalLive += l
		totalReady += r
	}
	maxTotal, minReady := taskLimits(svc)

	// scale down first (extras of the same deployment, then old deployments)
	var stopped []string
	for _, d := range svc.deps {
		d.want = s.wants(svc, d)
		live, _, _, _ := svc.live(d)
		excess := live - d.want
		if excess <= 0 {
			continue
		}
		for _, t := range stopOrder(svc, d, live) {
			if excess == 0 {
				break
			}
			if t.ready() && !native && d != svc.primary() && totalReady-1 < minReady && !(svc.current != nil && svc.current.rollingBack() && d == svc.current.target) {
				break
			}
			if t.ready() {
				totalReady--
			}
			s.stopTask(svc, t, now, types.TaskStopCodeServiceSchedulerInitiated, fmt.Sprintf("Scaling activity initiated by (deployment %s)", svc.primary().id), false)
			stopped = append(stopped, t.id)
			totalLive--
			excess--
		}
	}
	if len(stopped) > 0 {
		svc.steady = false
		svc.event(now, s, "has stopped %d running tasks: %s.", len(stopped), taskList(stopped))
	}

	var started []string
	for _, d := range svc.deps {
		if !d.launch {
			continue
		}
		live, _, _, _ := svc.live(d)
		n := d.want - live
		if !native && n > maxTotal-totalLive {
			n = maxTotal - totalLive
		}
		for i := int32(0); i < n; i++ {
			t := s.newTask(svc, d, now)
			started = append(started, t.id)
			totalLive++
		}
	}
	if len(started) > 0 {
		svc.steady = false
		svc.event(now, s, "has started %d tasks: %s.", len(started), taskList(started))
	}
}

// taskLimits are the service's task bounds during a deployment: at most
// maximumPercent of the desired count running (never fewer than desired),
// at least minimumHealthyPercent of it ready.
func taskLimits(svc *service) (maxTotal, minReady int32) {
	maxPct := int32(200)
	minPct := int32(100)
	if svc.cfg.MaximumPercent != nil {
		maxPct = *svc.cfg.MaximumPercent
	}
	if svc.cfg.MinimumHealthyPercent != nil {
		minPct = *svc.cfg.MinimumHealthyPercent
	}
	maxTotal = int32(math.Floor(float64(maxPct) * float64(svc.desired) / 100))
	minReady = int32(math.Ceil(float64(minPct) * float64(svc.desired) / 100))
	if maxTotal < svc.desired {
		maxTotal = svc.desired
	}
	return maxTotal, minReady
}

// stopOrder is the order scaling in stops d's live tasks: those not ready
// before ready ones.
func stopOrder(svc *service, d *dep, live int32) []*task {
	cands := make([]*task, 0, live)
	for _, t := range svc.tasks {
		if t.d == d && t.alive() && !t.ready() {
			cands = append(cands, t)
		}
	}
	for _, t := range svc.tasks {
		if t.d == d && t.alive() && t.ready() {
			cands = append(cands, t)
		}
	}
	return cands
}

func taskList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "(task " + id + ")"
	}
	return strings.Join(parts, " ")
}

func (s *Sim) newTask(svc *service, d *dep, now time.Time) *task {
	id := s.nextID("task", 32)
	n := s.seq
	t := &task{
		arn:     s.arn(fmt.Sprintf("task/%s/%s", svc.c.name, id)),
		id:      id,
		svc:     svc,
		d:       d,
		td:      d.td,
		fault:   s.faultFor(d.td),
		last:    "PROVISIONING",
		desired: "RUNNING",
		created: now,
		next:    now.Add(s.timing.Provisioning),
		health:  types.HealthStatusUnknown,
		ip:      fmt.Sprintf("10.0.%d.%d", (n/250)%250, n%250+2),
		az:      []string{"a", "b", "c"}[n%3],
		version: 1,
	}
	t.visible = now.Add(s.lag())
	svc.tasks = append(svc.tasks, t)
	return t
}

// checkSettled finishes rolling deployments and rollbacks once the service
// runs only the primary revision at its desired count.
func (s *Sim) checkSettled(svc *service, now time.Time) {
	p := svc.primary()
	if p == nil {
		return
	}
	_, ready, _, _ := svc.live(p)
	othersLive := false
	for _, t := range svc.tasks {
		if t.d != p && t.last != "STOPPED" {
			othersLive = true
		}
	}
	// drop old deployments that have no tasks left
	if !othersLive && ready >= svc.desired {
		kept := svc.deps[:1]
		for _, d := range svc.deps[1:] {
			if r := svc.current; r != nil && r.active() && r.native() && !r.rollingBack() && (d == r.blue || d == r.target) {
				kept = append(kept, d)
			}
		}
		svc.deps = kept
	}
	r := svc.current
	settled := ready >= svc.desired && !othersLive
	if r != nil && r.active() {
		switch {
		case r.rollingBack() && settled:
			p.state = types.DeploymentRolloutStateCompleted
			p.reason = fmt.Sprintf("ECS deployment %s completed.", p.id)
			p.finished = true
			svc.stable = p
			r.status = types.ServiceDeploymentStatusRollbackSuccessful
			r.finished = ptr(now)
			r.updated = now
			r.stage = ""
			if r.cbStatus == types.ServiceDeploymentRollbackMonitorsStatusMonitoring {
				r.cbStatus = types.ServiceDeploymentRollbackMonitorsStatusMonitoringComplete
			}
			svc.event(now, s, "(deployment %s) deployment completed.", p.id)
		case !r.native() && !r.rollingBack() && r.status == types.ServiceDeploymentStatusInProgress && settled && p == r.target:
			s.rollingSettled(r, now)
		}
	}
	if settled && !svc.steady && (r == nil || !r.active()) && p.state != types.DeploymentRolloutStateFailed {
		if p.state == types.DeploymentRolloutStateInProgress && p.ro == nil {
			p.state = types.DeploymentRolloutStateCompleted
			p.reason = fmt.Sprintf("ECS deployment %s completed.", p.id)
			svc.stable = p
		}
		svc.steady = true
		svc.event(now, s, "has reached a steady state.")
	}
}

// rollingSettled runs the bake time (if any) of a rolling deployment, then
// completes it.
func (s *Sim) rollingSettled(r *rollout, now time.Time) {
	if bake := r.cfg.BakeTimeInMinutes; bake != nil && *bake > 0 && !r.initial {
		if r.stage != types.ServiceDeploymentLifecycleStageBakeTime {
			r.stage = types.ServiceDeploymentLifecycleStageBakeTime
			r.waitUntil = now.Add(time.Duration(*bake) * time.Minute)
			r.updated = now
			return
		}
		if now.Before(r.waitUntil) {
			return
		}
	}
	s.completeRollout(r, now)
}

func (s *Sim) completeRollout(r *rollout, now time.Time) {
	svc := r.svc
	d := r.target
	d.state = types.DeploymentRolloutStateCompleted
	d.reason = fmt.Sprintf("ECS deployment %s completed.", d.id)
	d.finished = true
	d.prod = 100
	d.updated = now
	svc.stable = d
	r.status = types.ServiceDeploymentStatusSuccessful
	r.stage = types.ServiceDeploymentLifecycleStageCleanUp
	r.finished = ptr(now)
	r.updated = now
	if r.cbStatus == types.ServiceDeploymentRollbackMonitorsStatusMonitoring {
		r.cbStatus = types.ServiceDeploymentRollbackMonitorsStatusMonitoringComplete
	}
	if r.alarmStatus == types.ServiceDeploymentRollbackMonitorsStatusMonitoring {
		r.alarmStatus = types.ServiceDeploymentRollbackMonitorsStatusMonitoringComplete
	}
	svc.deps = []*dep{d}
	d.status = "PRIMARY"
	svc.event(now, s, "(deployment %s) deployment completed.", d.id)
	svc.steady = false
	s.checkSettled(svc, now)
}

// Phases of a native (BLUE_GREEN / CANARY / LINEAR) rollout.
const (
	phasePreScaleUp = iota
	phaseScaleUp
	phasePostScaleUp
	phaseTestShift
	phasePostTestShift
	phaseProdShift
	phasePostProdShift
	phaseBake
	phaseCleanUp
)

// advanceRollout checks alarms and drives the native state machine.
func (s *Sim) advanceRollout(r *rollout, now time.Time) {
	if r.status == types.ServiceDeploymentStatusStopRequested {
		r.status = types.ServiceDeploymentStatusStopped
		r.stoppedT = ptr(now)
		r.finished = ptr(now)
		r.updated = now
		return
	}
	if r.rollingBack() {
		return
	}
	if r.alarmsEnabled() {
		var fired []string
		for _, n := range r.cfg.Alarms.AlarmNames {
			if s.alarmState(n) == "ALARM" {
				fired = append(fired, n)
			}
		}
		if len(fired) > 0 {
			r.triggered = fired
			r.alarmStatus = types.ServiceDeploymentRollbackMonitorsStatusTriggered
			reason := fmt.Sprintf("ECS deployment alarm(s) detected: %s.", strings.Join(fired, ", "))
			s.failRollout(r, now, "alarm detected", reason, r.cfg.Alarms.Rollback)
			return
		}
	}
	if r.status != types.ServiceDeploymentStatusInProgress || !r.native() {
		return
	}
	// resolve expired hooks
	for _, h := range r.hooks {
		waiting := h.status == types.DeploymentLifecycleHookStatusAwaitingAction || h.status == types.DeploymentLifecycleHookStatusInProgress
		if waiting && !now.Before(h.expires) {
			h.status = types.DeploymentLifecycleHookStatusTimedOut
			if h.action != types.DeploymentLifecycleHookActionContinue {
				s.failRollout(r, now, "lifecycle hook timed out", "Lifecycle hook timed out.", true)
				return
			}
		}
	}
	for range 12 { // several instant phases may pass in one tick
		before := r.phase
		s.stepNative(r, now)
		if r.phase == before || !r.active() || r.rollingBack() {
			return
		}
	}
}

var phaseStage = map[int]types.ServiceDeploymentLifecycleStage{
	phasePreScaleUp:    types.ServiceDeploymentLifecycleStagePreScaleUp,
	phaseScaleUp:       types.ServiceDeploymentLifecycleStageScaleUp,
	phasePostScaleUp:   types.ServiceDeploymentLifecycleStagePostScaleUp,
	phaseTestShift:     types.ServiceDeploymentLifecycleStageTestTrafficShift,
	phasePostTestShift: types.ServiceDeploymentLifecycleStagePostTestTrafficShift,
	phaseProdShift:     types.ServiceDeploymentLifecycleStageProductionTrafficShift,
	phasePostProdShift: types.ServiceDeploymentLifecycleStagePostProductionTrafficShift,
	phaseBake:          types.ServiceDeploymentLifecycleStageBakeTime,
	phaseCleanUp:       types.ServiceDeploymentLifecycleStageCleanUp,
}

func (s *Sim) setPhase(r *rollout, p int, now time.Time) {
	r.phase = p
	r.stage = phaseStage[p]
	r.updated = now
}

func (s *Sim) stepNative(r *rollout, now time.Time) {
	svc := r.svc
	g := r.target
	switch r.phase {
	case phasePreScaleUp:
		r.stage = types.ServiceDeploymentLifecycleStagePreScaleUp
		if s.hooksDone(r, types.DeploymentLifecycleHookStagePreScaleUp, now) {
			s.setPhase(r, phaseScaleUp, now)
		}
	case phaseScaleUp:
		if _, ready, _, _ := svc.live(g); ready >= svc.desired {
			s.setPhase(r, phasePostScaleUp, now)
		}
	case phasePostScaleUp:
		if s.hooksDone(r, types.DeploymentLifecycleHookStagePostScaleUp, now) {
			s.setPhase(r, phaseTestShift, now)
		}
	case phaseTestShift:
		g.test = 100
		if s.hooksDone(r, types.DeploymentLifecycleHookStageTestTrafficShift, now) {
			s.setPhase(r, phasePostTestShift, now)
		}
	case phasePostTestShift:
		if s.hooksDone(r, types.DeploymentLifecycleHookStagePostTestTrafficShift, now) {
			s.setPhase(r, phaseProdShift, now)
			r.step = 0
			r.waitUntil = time.Time{}
		}
	case phaseProdShift:
		s.prodShiftStep(r, now)
	case phasePostProdShift:
		if s.hooksDone(r, types.DeploymentLifecycleHookStagePostProductionTrafficShift, now) {
			s.setPhase(r, phaseBake, now)
			bake := time.Duration(0)
			if b := r.cfg.BakeTimeInMinutes; b != nil {
				bake = time.Duration(*b) * time.Minute
			}
			r.waitUntil = now.Add(bake)
		}
	case phaseBake:
		if !now.Before(r.waitUntil) {
			s.setPhase(r, phaseCleanUp, now)
			if r.blue != nil {
				r.blue.launch = false
			}
		}
	case phaseCleanUp:
		if r.blue == nil || !s.depAlive(svc, r.blue) {
			s.completeRollout(r, now)
			return
		}
		if l, _, _, _ := svc.live(r.blue); l == 0 {
			s.completeRollout(r, now)
		}
	}
}

// prodShiftStep moves production traffic one step of the rollout's
// schedule, each step waiting for its lifecycle hooks, then baking for the
// step's time before the next.
func (s *Sim) prodShiftStep(r *rollout, now time.Time) {
	svc := r.svc
	g := r.target
	if r.step >= len(r.steps) {
		s.setPhase(r, phasePostProdShift, now)
		return
	}
	if !r.waitUntil.IsZero() {
		if now.Before(r.waitUntil) {
			return
		}
		r.waitUntil = time.Time{}
		r.step++
		r.updated = now
		return
	}
	key := fmt.Sprintf("#%d", r.step)
	if !s.hooksDoneKey(r, types.DeploymentLifecycleHookStagePreProductionTrafficShift, key, now) {
		return
	}
	if !s.hooksDoneKey(r, types.DeploymentLifecycleHookStageProductionTrafficShift, key, now) {
		return
	}
	w := r.steps[r.step]
	if g.prod != w {
		g.prod = w
		if r.blue != nil {
			r.blue.prod = 100 - w
		}
		r.updated = now
		svc.event(now, s, "(deployment %s) shifted %.0f%% of production traffic to service revision %s.", g.id, w, g.revArn)
	}
	if r.step == len(r.steps)-1 {
		r.step++
		return
	}
	r.waitUntil = now.Add(s.stepBake(r))
}

func (s *Sim) stepBake(r *rollout) time.Duration {
	switch r.strategy {
	case types.DeploymentStrategyCanary:
		if c := r.cfg.CanaryConfiguration; c != nil && c.CanaryBakeTimeInMinutes != nil {
			return time.Duration(*c.CanaryBakeTimeInMinutes) * time.Minute
		}
	case types.DeploymentStrategyLinear:
		if c := r.cfg.LinearConfiguration; c != nil && c.StepBakeTimeInMinutes != nil {
			return time.Duration(*c.StepBakeTimeInMinutes) * time.Minute
		}
	}
	return 0
}

// trafficSteps returns the production traffic weights a strategy walks through.
func trafficSteps(cfg types.DeploymentConfiguration) []float64 {
	switch cfg.Strategy {
	case types.DeploymentStrategyCanary:
		pct := 5.0
		if c := cfg.CanaryConfiguration; c != nil && c.CanaryPercent != nil {
			pct = *c.CanaryPercent
		}
		if pct <= 0 || pct >= 100 {
			return []float64{100}
		}
		return []float64{pct, 100}
	case types.DeploymentStrategyLinear:
		step := 10.0
		if c := cfg.LinearConfiguration; c != nil && c.StepPercent != nil {
			step = *c.StepPercent
		}
		if step <= 0 || step >= 100 {
			return []float64{100}
		}
		var out []float64
		for w := step; w < 100-1e-9; w += step {
			out = append(out, math.Round(w*10)/10)
		}
		return append(out, 100)
	}
	return []float64{100}
}

func (s *Sim) hooksDone(r *rollout, stage types.DeploymentLifecycleHookStage, now time.Time) bool {
	return s.hooksDoneKey(r, stage, "", now)
}

// hooksDoneKey starts the hooks configured for stage (once per key) and
// reports whether all of them succeeded. PAUSE hooks wait for
// ContinueServiceDeployment; AWS_LAMBDA hooks invoke their function (see
// lambda.go) until it answers.
func (s *Sim) hooksDoneKey(r *rollout, stage types.DeploymentLifecycleHookStage, key string, now time.Time) bool {
	k := string(stage) + key
	if r.hookKey != k {
		r.hookKey = k
		r.hooks = nil
		for _, h := range r.cfg.LifecycleHooks {
			match := false
			for _, st := range h.LifecycleStages {
				if st == stage {
					match = true
				}
			}
			if !match {
				continue
			}
			run := &hookRun{id: s.nextID("hook", 24), hook: h, status: types.DeploymentLifecycleHookStatusInProgress, next: now}
			run.expires, run.action = hookTimeout(h, now)
			if h.TargetType == types.DeploymentLifecycleHookTargetTypePause {
				run.status = types.DeploymentLifecycleHookStatusAwaitingAction
				r.svc.event(now, s, "(deployment %s) paused at lifecycle stage %s: waiting for ContinueServiceDeployment (hook %s).", r.target.id, stage, run.id)
			}
			r.hooks = append(r.hooks, run)
		}
		r.updated = now
	}
	done := true
	for _, h := range r.hooks {
		if h.hook.TargetType != types.DeploymentLifecycleHookTargetTypePause {
			if failed, why := s.invokeLambda(r, h, stage, now); failed {
				s.failRollout(r, now, why, "Lifecycle hook failed: "+why+".", true)
				return false
			}
		}
		if h.status != types.DeploymentLifecycleHookStatusSucceeded && h.status != types.DeploymentLifecycleHookStatusTimedOut {
			done = false
		}
	}
	return done
}

// targetEvents writes the target (de)registrations of one tick as one event
// each, as ECS batches them.
func (s *Sim) targetEvents(svc *service, now time.Time) {
	if svc.registered > 0 {
		svc.event(now, s, "registered %d targets in (target-group %s)", svc.registered, svc.targetGroup())
		svc.registered = 0
	}
	if svc.deregistered > 0 {
		svc.event(now, s, "deregistered %d targets in (target-group %s)", svc.deregistered, svc.targetGroup())
		svc.deregistered = 0
	}
}
