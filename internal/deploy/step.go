package deploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

// poll refreshes the state of every unfinished service of a wave with as
// few calls as the APIs allow: DescribeServiceDeployments for up to 20
// deployments per call, then DescribeServices for up to 10 services, only
// for the services the first answer did not settle. Throttling and other
// retryable errors are logged and the next poll tries again; a refused
// tracking call (AccessDenied) fails the service it tracks, naming the
// permission.
func (e *Engine) poll(ctx context.Context, plan *Plan, ts []*tracker) {
	var arns []string
	byArn := map[string][]*tracker{}
	for _, tr := range ts {
		tr.fresh = false
		if arn := tr.trackedArn(); arn != "" {
			if len(byArn[arn]) == 0 {
				arns = append(arns, arn)
			}
			byArn[arn] = append(byArn[arn], tr)
		}
	}
	for i := 0; i < len(arns); i += 20 {
		chunk := arns[i:min(i+20, len(arns))]
		e.count("ecs:DescribeServiceDeployments")
		e.pace(ctx)
		out, err := e.ECS.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: chunk})
		e.throttled(err)
		if err != nil {
			e.trackingError(chunk, byArn, err)
			continue
		}
		for _, a := range chunk {
			for _, tr := range byArn[a] {
				tr.fresh = true
			}
		}
		for j := range out.ServiceDeployments {
			sd := out.ServiceDeployments[j]
			for _, tr := range byArn[aws.ToString(sd.ServiceDeploymentArn)] {
				if tr.phase == phRollingBack {
					tr.rsd = &sd
				} else {
					tr.sd = &sd
				}
			}
		}
		// A MISSING failure is a deployment not visible yet: the last
		// answer seen (if any) stays.
	}
	var names []string
	byName := map[string]*tracker{}
	for _, tr := range ts {
		if tr.phase == phDone || tr.settledBySD() {
			continue
		}
		names = append(names, tr.r.Service)
		byName[tr.r.Service] = tr
	}
	for i := 0; i < len(names); i += 10 {
		chunk := names[i:min(i+10, len(names))]
		e.count("ecs:DescribeServices")
		e.pace(ctx)
		out, err := e.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(plan.Cluster), Services: chunk})
		e.throttled(err)
		if err != nil {
			e.log("", "describe services failed (will retry): %v", err)
			continue
		}
		for j := range out.Services {
			s := out.Services[j]
			if tr := byName[aws.ToString(s.ServiceName)]; tr != nil {
				tr.svc = &s
				tr.fresh = tr.fresh || !tr.native
			}
		}
	}
	// One DescribeAlarms per poll for the whole wave, not one per service.
	if len(plan.Gates.Alarms) > 0 && len(names)+len(arns) > 0 {
		firing, err := e.alarmsFiring(ctx, plan.Gates.Alarms)
		reading := &alarmReading{firing: firing, err: err}
		for _, tr := range ts {
			tr.gate.alarms = reading
		}
	}
}

// trackedArn is the service deployment a poll reads for tr, or "".
func (tr *tracker) trackedArn() string {
	switch {
	case tr.phase == phDone:
		return ""
	case tr.phase == phRollingBack && tr.rbNative:
		return tr.rbArn
	case tr.phase != phRollingBack && tr.native:
		return tr.sdArn
	}
	return ""
}

// settledBySD reports whether the service deployment just read decides the
// service's next step without DescribeServices: a deployment ECS completed
// at full size with no gate left to run.
func (tr *tracker) settledBySD() bool {
	if tr.phase != phDeploying || !tr.native || tr.sd == nil || tr.scaleOnly || tr.sd.Status != types.ServiceDeploymentStatusSuccessful {
		return false
	}
	rev := tr.sd.TargetServiceRevision
	return rev != nil && rev.RunningTaskCount >= rev.RequestedTaskCount && (!tr.gated || tr.gatesPassed)
}

// trackingError handles a failed DescribeServiceDeployments. Throttling
// and 5xx are retried at the next poll. An API that does not exist (an old
// endpoint, moto) switches those services to DescribeServices tracking,
// with a line in the log. Anything else — AccessDenied above all — means
// the run cannot see its deployments: each service fails with the error
// and the permission it needs, never quietly.
func (e *Engine) trackingError(chunk []string, byArn map[string][]*tracker, err error) {
	if retryable(err) {
		e.log("", "describe service deployments failed (will retry): %v", err)
		return
	}
	unknown := false
	var ae smithy.APIError
	if errors.As(err, &ae) {
		c := ae.ErrorCode()
		unknown = c == "UnknownOperationException" || c == "InvalidAction" || c == "UnrecognizedClientException" && !strings.Contains(ae.ErrorMessage(), "token")
	}
	for _, a := range chunk {
		for _, tr := range byArn[a] {
			if unknown {
				e.log(tr.r.Service, "DescribeServiceDeployments is not available here (%v): tracking the deployment through DescribeServices", err)
				tr.native, tr.rbNative = false, false
				continue
			}
			tr.lost = fmt.Sprintf("cannot track the deployment: ecs:DescribeServiceDeployments failed: %v; the role needs the ecs:DescribeServiceDeployments permission on the service deployments of %s", err, tr.r.Service)
		}
	}
}

// streamEvents logs service events not seen before, oldest first.
func (e *Engine) streamEvents(tr *tracker) {
	if tr.svc == nil {
		return
	}
	// ECS lists events newest first; log them oldest first.
	evs := make([]types.ServiceEvent, 0, len(tr.svc.Events))
	for i := len(tr.svc.Events) - 1; i >= 0; i-- {
		evs = append(evs, tr.svc.Events[i])
	}
	sort.SliceStable(evs, func(i, j int) bool { return aws.ToTime(evs[i].CreatedAt).Before(aws.ToTime(evs[j].CreatedAt)) })
	for _, ev := range evs {
		id := aws.ToString(ev.Id)
		if id == "" {
			id = aws.ToTime(ev.CreatedAt).String() + aws.ToString(ev.Message)
		}
		if tr.seen[id] || aws.ToTime(ev.CreatedAt).Before(tr.r.Started) {
			continue
		}
		tr.seen[id] = true
		msg := aws.ToString(ev.Message)
		tr.r.Events = append(tr.r.Events, msg)
		e.log(tr.r.Service, "event: %s", msg)
	}
}

func (tr *tracker) newDeployment() *types.Deployment {
	if tr.svc == nil {
		return nil
	}
	for i := range tr.svc.Deployments {
		d := &tr.svc.Deployments[i]
		if tr.deployID != "" && aws.ToString(d.Id) == tr.deployID {
			return d
		}
	}
	if tr.deployID == "" {
		for i := range tr.svc.Deployments {
			d := &tr.svc.Deployments[i]
			if aws.ToString(d.TaskDefinition) == tr.r.TaskDefinition {
				return d
			}
		}
	}
	return nil
}

// stepDeploy advances one service that is deploying or being verified.
func (e *Engine) stepDeploy(ctx context.Context, plan *Plan, tr *tracker, res *Result) {
	e.streamEvents(tr)
	r := tr.r
	if tr.lost != "" {
		e.fail(ctx, plan, tr, res, tr.lost, false)
		return
	}
	d := tr.newDeployment()
	if d != nil && tr.phase == phDeploying {
		r.LeftOn = r.TaskDefinition // seen: also after an UpdateService without an answer
	}
	if d != nil && d.FailedTasks > 0 && r.FirstFailedTask.IsZero() {
		r.FirstFailedTask = e.Clock.Now()
		e.addEvent(res, r.Service, fmt.Sprintf("%d task(s) of the new revision failed", d.FailedTasks))
	}
	if tr.phase == phDeploying {
		done, byECS, reason := e.ecsVerdict(ctx, plan, tr, d, res)
		switch {
		case reason != "":
			e.fail(ctx, plan, tr, res, reason, byECS)
			return
		case done:
			tr.phase = phVerifying
			if tr.gated && !tr.gatesPassed {
				e.addEvent(res, r.Service, "ECS reports the deployment complete; running gates")
			}
		default:
			if n := e.failedTasks(ctx, plan, tr, d); plan.FailedTasksThreshold > 0 && n >= plan.FailedTasksThreshold {
				e.fail(ctx, plan, tr, res, fmt.Sprintf("%d task(s) of the new revision stopped (threshold %d)", n, plan.FailedTasksThreshold), false)
				return
			}
			if a := tr.gate.alarms; a != nil {
				if firing, err := a.firing, a.err; err == nil && len(firing) > 0 {
					e.fail(ctx, plan, tr, res, fmt.Sprintf("CloudWatch alarm %s went into ALARM during the deployment", strings.Join(firing, ", ")), false)
				}
			}
			return
		}
	}
	if tr.phase == phVerifying {
		if !tr.gated || tr.gatesPassed {
			e.succeed(tr, res)
			return
		}
		v, reason := e.checkGates(ctx, plan.Gates, &tr.gate, r.Started)
		switch v {
		case pass:
			e.addEvent(res, r.Service, "gates passed")
			e.succeed(tr, res)
		case fail:
			e.fail(ctx, plan, tr, res, "gate failed after the deployment completed: "+reason, false)
		}
	}
}

func (e *Engine) succeed(tr *tracker, res *Result) {
	tr.phase = phDone
	tr.r.Status = Succeeded
	tr.r.LeftOn = tr.r.TaskDefinition
	tr.r.Finished = e.Clock.Now()
	e.addEvent(res, tr.r.Service, fmt.Sprintf("completed: %s is steady", shortTD(tr.r.TaskDefinition)))
}

// ecsVerdict reads what ECS says about this run's deployment. done: ECS
// finished it; reason != "": it failed (byECS: ECS is already rolling
// back). A read that does not show the deployment yet is neither.
func (e *Engine) ecsVerdict(ctx context.Context, plan *Plan, tr *tracker, d *types.Deployment, res *Result) (done, byECS bool, reason string) {
	if tr.native {
		return e.nativeVerdict(ctx, plan, tr, res)
	}
	r := tr.r
	if tr.svc == nil {
		return false, false, e.unseen(tr, "DescribeServices")
	}
	if d == nil {
		// Our deployment is not in the list: ECS replaced it when a newer
		// deployment is there (after a failure: its circuit breaker rolling
		// back); otherwise the read does not show it yet.
		if newer := tr.newerDeployment(); newer != nil {
			return false, true, fmt.Sprintf("ECS replaced the deployment with %s (circuit breaker or deployment alarm rollback)", shortTD(aws.ToString(newer.TaskDefinition)))
		}
		return false, false, e.unseen(tr, "DescribeServices")
	}
	if tr.scaleOnly {
		return tr.svc.DesiredCount == aws.ToInt32(tr.ps.target.DesiredCount) && tr.svc.RunningCount >= tr.svc.DesiredCount && d.RunningCount >= d.DesiredCount, false, ""
	}
	switch d.RolloutState {
	case types.DeploymentRolloutStateFailed:
		rollback := tr.svc.DeploymentConfiguration != nil && tr.svc.DeploymentConfiguration.DeploymentCircuitBreaker != nil &&
			tr.svc.DeploymentConfiguration.DeploymentCircuitBreaker.Rollback
		return false, rollback, "ECS marked the deployment FAILED: " + aws.ToString(d.RolloutStateReason)
	case types.DeploymentRolloutStateCompleted:
		if aws.ToString(d.Status) == "PRIMARY" {
			return tr.svc.RunningCount >= tr.svc.DesiredCount, false, ""
		}
		return false, true, "ECS rolled back: the new revision is no longer primary"
	}
	if aws.ToString(d.Status) != "PRIMARY" && aws.ToString(tr.svc.TaskDefinition) != r.TaskDefinition {
		return false, true, fmt.Sprintf("ECS rolled back to %s", shortTD(aws.ToString(tr.svc.TaskDefinition)))
	}
	// Without rollout state (old API, moto) a single primary deployment at
	// its desired count is complete.
	if d.RolloutState == "" && len(tr.svc.Deployments) == 1 && d.RunningCount == d.DesiredCount && d.PendingCount == 0 {
		return true, false, ""
	}
	return false, false, ""
}

// stoppedCheckEvery is how often a deployment still in progress has its
// stopped tasks counted.
const stoppedCheckEvery = 15 * time.Second

// failedTasks counts the new revision's failed tasks. Deployment.FailedTasks
// counts only consecutive failures and drops to 0 once a task of the
// deployment runs (SDK doc comment of types.Deployment.FailedTasks), so a
// task that crashes after starting is not in it: while the deployment is in
// progress its stopped tasks are also counted (ListTasks startedBy its id)
// every stoppedCheckEvery, leaving out tasks a deployment scaled in.
func (e *Engine) failedTasks(ctx context.Context, plan *Plan, tr *tracker, d *types.Deployment) int {
	n := 0
	if d != nil {
		n = int(d.FailedTasks)
	}
	if plan.FailedTasksThreshold == 0 || tr.deployID == "" || n >= plan.FailedTasksThreshold {
		return n
	}
	now := e.Clock.Now()
	if now.Sub(tr.updated) < stoppedCheckEvery || now.Sub(tr.stoppedChecked) < stoppedCheckEvery {
		return n
	}
	tr.stoppedChecked = now
	stopped := 0
	for _, t := range e.stoppedTasks(ctx, plan.Cluster, tr, true) {
		if !replacedByDeployment(t) {
			stopped++
		}
	}
	if stopped > 0 && tr.r.FirstFailedTask.IsZero() {
		tr.r.FirstFailedTask = now
	}
	return max(n, stopped)
}

// newerDeployment is a deployment of the service created after this run's,
// which therefore replaced it.
func (tr *tracker) newerDeployment() *types.Deployment {
	if tr.svc == nil || tr.created.IsZero() {
		return nil
	}
	for i := range tr.svc.Deployments {
		d := &tr.svc.Deployments[i]
		if aws.ToString(d.Id) != tr.deployID && aws.ToTime(d.CreatedAt).After(tr.created) {
			return d
		}
	}
	return nil
}

// nativeVerdict is ecsVerdict from the service deployment.
func (e *Engine) nativeVerdict(ctx context.Context, plan *Plan, tr *tracker, res *Result) (done, byECS bool, reason string) {
	sd := tr.sd
	if sd == nil {
		return false, false, e.unseen(tr, "DescribeServiceDeployments")
	}
	why := sdReason(sd)
	switch sd.Status {
	case types.ServiceDeploymentStatusSuccessful:
		return e.complete(tr), false, ""
	case types.ServiceDeploymentStatusRollbackRequested, types.ServiceDeploymentStatusRollbackInProgress,
		types.ServiceDeploymentStatusRollbackSuccessful:
		return false, true, "ECS rolled the deployment back: " + why
	case types.ServiceDeploymentStatusRollbackFailed:
		return false, true, "ECS tried to roll the deployment back and failed: " + why
	case types.ServiceDeploymentStatusStopped, types.ServiceDeploymentStatusStopRequested:
		return false, false, "the deployment was stopped outside this run: " + why
	}
	e.trackStages(tr, res)
	e.reportHooks(tr, res)
	if reason := e.nativeGates(ctx, plan, tr, res); reason != "" {
		return false, false, reason
	}
	return false, false, ""
}

// complete reports whether a deployment ECS marked SUCCESSFUL runs its full
// size: a scale-up with the same revision completes its deployment before
// the new tasks run.
func (e *Engine) complete(tr *tracker) bool {
	if tr.scaleOnly {
		return tr.svc != nil && tr.svc.DesiredCount == aws.ToInt32(tr.ps.target.DesiredCount) && tr.svc.RunningCount >= tr.svc.DesiredCount
	}
	if rev := tr.sd.TargetServiceRevision; rev != nil {
		return rev.RunningTaskCount >= rev.RequestedTaskCount
	}
	return tr.svc != nil && tr.svc.RunningCount >= tr.svc.DesiredCount
}

// unseen handles a read that does not show this run's deployment yet. ECS
// is eventually consistent: within Engine.Settle of UpdateService this is
// "not visible yet"; after it, a failure that says so.
func (e *Engine) unseen(tr *tracker, api string) string {
	if !tr.fresh {
		return "" // no answer this poll (throttled): nothing was seen either way
	}
	now := e.Clock.Now()
	if tr.unseenSince.IsZero() {
		tr.unseenSince = now
		e.log(tr.r.Service, "%s does not show deployment %s yet (ECS reads are eventually consistent); waiting up to %s", api, tr.r.DeploymentID, e.settle())
	}
	if waited := now.Sub(tr.unseenSince); waited < e.settle() {
		return ""
	}
	return fmt.Sprintf("ECS did not show deployment %s in %s for %s after UpdateService; it cannot be tracked", tr.r.DeploymentID, api, now.Sub(tr.updated).Round(time.Second))
}

// nativeGates runs the gates while a native deployment sends traffic (test
// or production) to the new revision and the old one still runs, so a
// failure can return traffic at once. It returns the failure reason.
func (e *Engine) nativeGates(ctx context.Context, plan *Plan, tr *tracker, res *Result) string {
	rev := tr.sd.TargetServiceRevision
	if !tr.gated || rev == nil || tr.r.Strategy == string(types.DeploymentStrategyRolling) || aws.ToFloat64(rev.RequestedTestTrafficWeight)+aws.ToFloat64(rev.RequestedProductionTrafficWeight) <= 0 {
		return ""
	}
	stage := string(tr.sd.LifecycleStage)
	v, reason := e.checkGates(ctx, plan.Gates, &tr.gate, tr.r.Started)
	switch v {
	case fail:
		tr.gatesPassed = false
		return fmt.Sprintf("gate failed at %s: %s", stage, reason)
	case pass:
		if !tr.gatesPassed {
			e.addEvent(res, tr.r.Service, "gates passed at "+stage+"; checked again until the deployment completes")
		}
		tr.gatesPassed = true
	}
	return ""
}

func sdReason(sd *types.ServiceDeployment) string {
	var parts []string
	if s := aws.ToString(sd.StatusReason); s != "" {
		parts = append(parts, s)
	}
	if cb := sd.DeploymentCircuitBreaker; cb != nil && cb.Status == types.ServiceDeploymentRollbackMonitorsStatusTriggered {
		parts = append(parts, fmt.Sprintf("circuit breaker triggered after %d failed tasks (threshold %d)", cb.FailureCount, cb.Threshold))
	}
	if al := sd.Alarms; al != nil && len(al.TriggeredAlarmNames) > 0 {
		parts = append(parts, "deployment alarm "+strings.Join(al.TriggeredAlarmNames, ", ")+" triggered")
	}
	if rb := sd.Rollback; rb != nil && aws.ToString(rb.Reason) != "" && !strings.Contains(strings.Join(parts, " "), aws.ToString(rb.Reason)) {
		parts = append(parts, aws.ToString(rb.Reason))
	}
	if len(parts) == 0 {
		return string(sd.Status)
	}
	return strings.Join(parts, "; ")
}

// trackStages puts lifecycle stage changes and traffic shifts of a native
// deployment on the timeline.
func (e *Engine) trackStages(tr *tracker, res *Result) {
	sd := tr.sd
	if st := string(sd.LifecycleStage); st != "" && st != tr.stage {
		tr.stage = st
		e.addEvent(res, tr.r.Service, "stage "+st)
	}
	if rev := sd.TargetServiceRevision; rev != nil {
		if w := aws.ToFloat64(rev.RequestedTestTrafficWeight); w != tr.testW {
			tr.testW = w
			e.addEvent(res, tr.r.Service, fmt.Sprintf("test traffic to the new revision: %.0f%%", w))
		}
		if w := aws.ToFloat64(rev.RequestedProductionTrafficWeight); w != tr.prodW {
			tr.prodW = w
			e.addEvent(res, tr.r.Service, fmt.Sprintf("production traffic to the new revision: %.0f%%", w))
		}
	}
}

// reportHooks reports lifecycle hooks of the deployment that wait for
// someone else: a PAUSE hook in the service's own configuration belongs to
// a person or to the team's automation (a manual approval), and answering
// it is their decision. ecsflow never answers it; it says what it waits
// for, and a progress line every minute, until the hook is answered or the
// run's timeout ends.
func (e *Engine) reportHooks(tr *tracker, res *Result) {
	var h *types.DeploymentLifecycleHookDetail
	for i := range tr.sd.LifecycleHookDetails {
		x := &tr.sd.LifecycleHookDetails[i]
		if x.Status == types.DeploymentLifecycleHookStatusAwaitingAction || x.Status == types.DeploymentLifecycleHookStatusInProgress {
			h = x
			break
		}
	}
	if h == nil {
		tr.waitHook = ""
		return
	}
	id, stage, now := aws.ToString(h.HookId), string(tr.sd.LifecycleStage), e.Clock.Now()
	what := "waiting for approval at " + stage
	if h.TargetType == types.DeploymentLifecycleHookTargetTypeAwsLambda {
		what = fmt.Sprintf("waiting for lifecycle hook %s at %s", aws.ToString(h.TargetArn), stage)
	}
	if tr.waitHook != id {
		tr.waitHook, tr.waitSince, tr.waitLogged = id, now, now
		line := what + " (hook " + id
		if h.ExpiresAt != nil {
			line += fmt.Sprintf("; on timeout at %s ECS will %s", h.ExpiresAt.UTC().Format(time.RFC3339), strings.ToLower(string(h.TimeoutAction)))
		}
		e.addEvent(res, tr.r.Service, line+")")
		return
	}
	if now.Sub(tr.waitLogged) >= time.Minute {
		tr.waitLogged = now
		e.log(tr.r.Service, "still %s (%s so far)", what, now.Sub(tr.waitSince).Round(time.Second))
	}
}

// fail records a failure and starts the recovery. byECS: ECS is already
// rolling back by itself (circuit breaker, deployment alarms).
func (e *Engine) fail(ctx context.Context, plan *Plan, tr *tracker, res *Result, reason string, byECS bool) {
	r := tr.r
	now := e.Clock.Now()
	r.Reasons = append(r.Reasons, reason)
	if r.FailureDetected.IsZero() {
		r.FailureDetected = now
	}
	e.addEvent(res, r.Service, "failure detected: "+reason)
	// Target health first: once the rollback starts the new targets drain
	// and their failing health checks are no longer visible.
	targets := e.targetHealth(ctx, tr)
	switch {
	case byECS:
		tr.phase = phRollingBack
		r.RollbackBy = "ECS"
		r.RollbackStarted = now
		r.LeftOn = r.Previous
		if tr.native && tr.sdArn != "" {
			tr.rbNative, tr.rbArn, tr.rsd = true, tr.sdArn, tr.sd
		}
		e.addEvent(res, r.Service, "ECS is rolling back to "+shortTD(r.Previous))
		e.stepRollback(ctx, plan, tr, res)
	case plan.RollbackOnFailure:
		e.startRollback(ctx, plan, tr, res)
	default:
		tr.phase = phDone
		r.Status = Failed
		r.Finished = now
		r.LeftOn = r.TaskDefinition
		r.Note = "rollback-on-failure is off: the service stays on " + shortTD(r.TaskDefinition) + " and ECS finishes the deployment"
		if tr.native && tr.sd != nil && awaitingHook(tr.sd) != nil {
			r.Note = fmt.Sprintf("rollback-on-failure is off: the deployment stays paused at %s for its hook's owner; ECS applies the hook's timeout action", tr.sd.LifecycleStage)
		}
	}
	r.Explanation = append(e.explain(ctx, plan, tr), targets...)
}

// startRollback rolls a service back: natively while its deployment is in
// flight, otherwise by updating it to the previous revision.
func (e *Engine) startRollback(ctx context.Context, plan *Plan, tr *tracker, res *Result) {
	r := tr.r
	now := e.Clock.Now()
	r.RollbackBy = "ecsflow"
	r.RollbackStarted = now
	if r.FailureDetected.IsZero() {
		r.FailureDetected = now
	}
	tr.phase = phRollingBack
	if tr.native && (tr.sd == nil || tr.sd.Status == types.ServiceDeploymentStatusInProgress || tr.sd.Status == types.ServiceDeploymentStatusPending) {
		// StopServiceDeployment ROLLBACK, also while a hook waits: a hook
		// this run did not place is not this run's to answer.
		err := e.retry(ctx, "ecs:StopServiceDeployment", func() error {
			_, err := e.ECS.StopServiceDeployment(ctx, &ecs.StopServiceDeploymentInput{
				ServiceDeploymentArn: aws.String(tr.sdArn), StopType: types.StopServiceDeploymentStopTypeRollback,
			})
			return err
		})
		if err == nil {
			tr.rbNative, tr.rbArn, tr.rsd = true, tr.sdArn, nil
			r.LeftOn = r.Previous
			e.addEvent(res, r.Service, "rollback started: ECS native rollback to "+shortTD(r.Previous))
			return
		}
		e.log(r.Service, "native rollback failed, updating to the previous revision instead: %v", err)
	}
	if r.Previous == "" || r.Previous == r.TaskDefinition {
		tr.phase = phDone
		r.Status = Failed
		r.Finished = now
		r.Reasons = append(r.Reasons, "no earlier revision to roll back to")
		return
	}
	var out *ecs.UpdateServiceOutput
	err := e.retry(ctx, "ecs:UpdateService", func() (err error) {
		out, err = e.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{
			Cluster: aws.String(plan.Cluster), Service: aws.String(r.Service), TaskDefinition: aws.String(r.Previous),
		})
		return err
	})
	if err != nil {
		tr.phase = phDone
		r.Status = Failed
		r.Finished = e.Clock.Now()
		r.Reasons = append(r.Reasons, fmt.Sprintf("rollback to %s failed: %v", shortTD(r.Previous), err))
		e.addEvent(res, r.Service, "rollback failed to start")
		return
	}
	r.LeftOn = r.Previous
	tr.rbNative = false
	if out.Service != nil {
		tr.rbID = primaryID(out.Service, r.Previous)
		if a := aws.ToString(out.Service.CurrentServiceDeployment); a != "" && tr.native {
			tr.rbNative, tr.rbArn = true, a
		}
	}
	e.addEvent(res, r.Service, "rollback started: service updated to "+shortTD(r.Previous))
}

func awaitingHook(sd *types.ServiceDeployment) *types.DeploymentLifecycleHookDetail {
	for i := range sd.LifecycleHookDetails {
		h := &sd.LifecycleHookDetails[i]
		if h.Status == types.DeploymentLifecycleHookStatusAwaitingAction {
			return h
		}
	}
	return nil
}

// stepRollback checks whether a rollback has reached a steady previous
// revision.
func (e *Engine) stepRollback(ctx context.Context, plan *Plan, tr *tracker, res *Result) {
	e.streamEvents(tr)
	r := tr.r
	steady := false
	if tr.rbNative && tr.rsd != nil {
		switch tr.rsd.Status {
		case types.ServiceDeploymentStatusRollbackSuccessful:
			steady = true
		case types.ServiceDeploymentStatusSuccessful:
			steady = tr.rbArn != tr.sdArn // an update back to the previous revision
		case types.ServiceDeploymentStatusRollbackFailed, types.ServiceDeploymentStatusStopped:
			tr.phase = phDone
			r.Status = Failed
			r.Finished = e.Clock.Now()
			r.Reasons = append(r.Reasons, "rollback failed: "+sdReason(tr.rsd))
			e.addEvent(res, r.Service, "rollback failed: "+sdReason(tr.rsd))
			return
		}
	} else if tr.svc != nil && !tr.rbNative {
		s := tr.svc
		if aws.ToString(s.TaskDefinition) == r.Previous && len(s.Deployments) == 1 {
			d := s.Deployments[0]
			steady = d.RolloutState == types.DeploymentRolloutStateCompleted ||
				(d.RolloutState == "" && d.RunningCount == d.DesiredCount && d.PendingCount == 0)
		}
	}
	if !steady {
		return
	}
	tr.phase = phDone
	r.Status = RolledBack
	r.LeftOn = r.Previous
	r.RollbackDone = e.Clock.Now()
	r.Finished = r.RollbackDone
	e.addEvent(res, r.Service, fmt.Sprintf("rolled back: %s is steady again (%s after the failure was detected)",
		shortTD(r.Previous), r.RollbackDone.Sub(r.FailureDetected).Round(time.Second)))
}

// cancelled handles a cancelled context: in-flight deployments are rolled
// back when rollback-on-failure is on (with a short detached context, since
// the runner gives a cancelled step only seconds), else left to finish.
func (e *Engine) cancelled(plan *Plan, ts []*tracker, res *Result) {
	res.Cancelled = true
	ctx, cancel := context.WithTimeout(context.WithoutCancel(context.Background()), 20*time.Second)
	defer cancel()
	for _, tr := range ts {
		r := tr.r
		switch tr.phase {
		case phDeploying, phVerifying:
			r.Reasons = append(r.Reasons, "cancelled while the deployment was in progress")
			r.FailureDetected = e.Clock.Now()
			if plan.RollbackOnFailure {
				e.startRollback(ctx, plan, tr, res)
				if r.Status != Failed {
					r.Note = "cancelled: rollback to " + shortTD(r.Previous) + " was started and ECS completes it; the service is left on the previous revision"
				}
			} else {
				r.LeftOn = r.TaskDefinition
				r.Note = "cancelled: the service is left on the new revision " + shortTD(r.TaskDefinition) + " and ECS finishes that deployment"
			}
		case phRollingBack:
			r.Note = "cancelled during the rollback: ECS completes the rollback to " + shortTD(r.Previous)
		default:
			continue
		}
		tr.phase = phDone
		r.Status = Failed
		r.Finished = e.Clock.Now()
		e.addEvent(res, r.Service, r.Note)
	}
}

// explain gathers why the new revision failed: stopped tasks with their
// reasons and exit codes and image pull errors.
func (e *Engine) explain(ctx context.Context, plan *Plan, tr *tracker) []string {
	tasks := e.stoppedTasks(ctx, plan.Cluster, tr, false)
	sort.SliceStable(tasks, func(i, j int) bool { return aws.ToTime(tasks[i].StoppedAt).After(aws.ToTime(tasks[j].StoppedAt)) })
	// The same failure on many tasks is one line with a count.
	var order, out []string
	seen := map[string]int{}
	for _, t := range tasks {
		if aws.ToString(t.TaskDefinitionArn) != tr.r.TaskDefinition || replacedByDeployment(t) {
			continue
		}
		for _, l := range describeStoppedTask(t) {
			if seen[l] == 0 {
				order = append(order, l)
			}
			seen[l]++
		}
	}
	for _, l := range order[:min(len(order), 8)] {
		if n := seen[l]; n > 1 {
			l += fmt.Sprintf(" (%d tasks)", n)
		}
		out = append(out, l)
	}
	return out
}

// maxExplained caps how many stopped tasks explain reads (pages of 100).
const maxExplained = 500

// stoppedTasks lists and describes the stopped tasks of this run's
// deployment: ListTasks with startedBy set to the deployment's id (the
// only filter ECS allows with startedBy, besides the desired status), all
// pages, so the drained tasks of earlier deployments cannot crowd out the
// failing ones. Without a deployment id it lists the service's stopped
// tasks.
func (e *Engine) stoppedTasks(ctx context.Context, cluster string, tr *tracker, onePage bool) []types.Task {
	in := &ecs.ListTasksInput{Cluster: aws.String(cluster), DesiredStatus: types.DesiredStatusStopped}
	if tr.deployID != "" {
		in.StartedBy = aws.String(tr.deployID)
	} else {
		in.ServiceName = aws.String(tr.r.Service)
	}
	var arns []string
	for len(arns) < maxExplained {
		var lt *ecs.ListTasksOutput
		err := e.retry(ctx, "ecs:ListTasks", func() (err error) {
			lt, err = e.ECS.ListTasks(ctx, in)
			return err
		})
		if err != nil {
			e.log(tr.r.Service, "failed to list the stopped tasks of the deployment: %v", err)
			break
		}
		arns = append(arns, lt.TaskArns...)
		if onePage || aws.ToString(lt.NextToken) == "" {
			break
		}
		in.NextToken = lt.NextToken
	}
	var tasks []types.Task
	for i := 0; i < len(arns); i += 100 {
		chunk := arns[i:min(i+100, len(arns))]
		var dt *ecs.DescribeTasksOutput
		err := e.retry(ctx, "ecs:DescribeTasks", func() (err error) {
			dt, err = e.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: chunk})
			return err
		})
		if err != nil {
			e.log(tr.r.Service, "failed to describe the stopped tasks of the deployment: %v", err)
			break
		}
		tasks = append(tasks, dt.Tasks...)
	}
	return tasks
}

// replacedByDeployment reports whether a task was stopped by the scheduler
// because a deployment replaced or scaled it in (a rollback draining the
// new revision, for one), which says nothing about why it failed.
func replacedByDeployment(t types.Task) bool {
	return t.StopCode == types.TaskStopCodeServiceSchedulerInitiated &&
		strings.HasPrefix(aws.ToString(t.StoppedReason), "Scaling activity initiated by")
}

// targetHealth reports the load balancer targets of the service that are
// not healthy (draining ones are expected during a deployment).
func (e *Engine) targetHealth(ctx context.Context, tr *tracker) []string {
	var out []string
	if e.ELB != nil && tr.svc != nil {
		for _, lb := range tr.svc.LoadBalancers {
			tg := aws.ToString(lb.TargetGroupArn)
			if tg == "" {
				continue
			}
			e.count("elbv2:DescribeTargetHealth")
			th, err := e.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
			if err != nil {
				continue
			}
			for _, d := range th.TargetHealthDescriptions {
				if d.TargetHealth == nil || d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy || d.TargetHealth.State == elbtypes.TargetHealthStateEnumDraining {
					continue
				}
				target := ""
				if d.Target != nil {
					target = aws.ToString(d.Target.Id)
					if d.Target.Port != nil {
						target += fmt.Sprintf(":%d", *d.Target.Port)
					}
				}
				out = append(out, fmt.Sprintf("target %s in %s is %s: %s %s", target, shortTG(tg), d.TargetHealth.State,
					d.TargetHealth.Reason, aws.ToString(d.TargetHealth.Description)))
			}
		}
	}
	return out
}

// describeStoppedTask explains one stopped task without its ID, so the same
// failure on several tasks collapses into one line.
func describeStoppedTask(t types.Task) []string {
	line := "task stopped: " + aws.ToString(t.StoppedReason)
	if t.StopCode != "" {
		line += fmt.Sprintf(" (%s)", t.StopCode)
	}
	var out []string
	if !strings.Contains(aws.ToString(t.StoppedReason), "CannotPull") {
		out = append(out, line)
	}
	for _, c := range t.Containers {
		reason := aws.ToString(c.Reason)
		switch {
		case strings.Contains(reason, "CannotPullContainer") || strings.Contains(reason, "pull"):
			out = append(out, fmt.Sprintf("image pull error for container %s (%s): %s", aws.ToString(c.Name), aws.ToString(c.Image), reason))
		case c.ExitCode != nil:
			l := fmt.Sprintf("container %s exited with code %d", aws.ToString(c.Name), *c.ExitCode)
			if reason != "" {
				l += ": " + reason
			}
			out = append(out, l)
		case reason != "":
			out = append(out, fmt.Sprintf("container %s: %s", aws.ToString(c.Name), reason))
		}
		if c.HealthStatus == types.HealthStatusUnhealthy {
			out = append(out, fmt.Sprintf("container %s failed its health check", aws.ToString(c.Name)))
		}
	}
	return out
}

func shortTG(arn string) string {
	parts := strings.Split(arn, ":")
	s := parts[len(parts)-1]
	if strings.HasPrefix(s, "targetgroup/") {
		s = strings.Split(strings.TrimPrefix(s, "targetgroup/"), "/")[0]
	}
	return s
}

var _ = errors.New
