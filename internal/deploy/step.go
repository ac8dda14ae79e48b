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
)

// poll refreshes the state of every unfinished service of a wave with as
// few calls as the APIs allow: DescribeServices for up to 10 services and
// DescribeServiceDeployments for up to 20 deployments per call. Errors
// (throttling included) are logged and the next poll tries again.
func (e *Engine) poll(ctx context.Context, plan *Plan, ts []*tracker) {
	var names []string
	byName := map[string]*tracker{}
	var arns []string
	byArn := map[string][]*tracker{}
	for _, tr := range ts {
		if tr.phase == phDone {
			continue
		}
		names = append(names, tr.r.Service)
		byName[tr.r.Service] = tr
		arn := ""
		switch {
		case tr.phase == phRollingBack && tr.rbNative:
			arn = tr.rbArn
		case tr.phase != phRollingBack && tr.native:
			arn = tr.sdArn
		}
		if arn != "" {
			if len(byArn[arn]) == 0 {
				arns = append(arns, arn)
			}
			byArn[arn] = append(byArn[arn], tr)
		}
	}
	for i := 0; i < len(names); i += 10 {
		chunk := names[i:min(i+10, len(names))]
		e.count("ecs:DescribeServices")
		out, err := e.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(plan.Cluster), Services: chunk})
		if err != nil {
			e.log("", "describe services failed (will retry): %v", err)
			continue
		}
		for j := range out.Services {
			s := out.Services[j]
			if tr := byName[aws.ToString(s.ServiceName)]; tr != nil {
				tr.svc = &s
			}
		}
	}
	// One DescribeAlarms per poll for the whole wave, not one per service.
	if len(plan.Gates.Alarms) > 0 && len(names) > 0 {
		firing, err := e.alarmsFiring(ctx, plan.Gates.Alarms)
		reading := &alarmReading{firing: firing, err: err}
		for _, tr := range ts {
			tr.gate.alarms = reading
		}
	}
	for i := 0; i < len(arns); i += 20 {
		chunk := arns[i:min(i+20, len(arns))]
		e.count("ecs:DescribeServiceDeployments")
		out, err := e.ECS.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: chunk})
		if err != nil {
			if !retryable(err) {
				// The API is missing (an old endpoint, moto): track the
				// service's deployments instead.
				for _, a := range chunk {
					for _, tr := range byArn[a] {
						tr.native, tr.rbNative = false, false
					}
				}
			}
			e.log("", "describe service deployments failed: %v", err)
			continue
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
	if tr.svc == nil {
		return
	}
	r := tr.r
	d := tr.newDeployment()
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
			if !plan.gatesFor(tr.ps.target).Empty() {
				e.addEvent(res, r.Service, "ECS reports the deployment complete; running gates")
			}
		default:
			if plan.FailedTasksThreshold > 0 && d != nil && int(d.FailedTasks) >= plan.FailedTasksThreshold {
				e.fail(ctx, plan, tr, res, fmt.Sprintf("%d task(s) of the new revision stopped (threshold %d)", d.FailedTasks, plan.FailedTasksThreshold), false)
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
		if plan.gatesFor(tr.ps.target).Empty() {
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

// ecsVerdict reads what ECS says about the deployment. done: ECS finished
// it; reason != "": it failed (byECS: ECS is already rolling back).
func (e *Engine) ecsVerdict(ctx context.Context, plan *Plan, tr *tracker, d *types.Deployment, res *Result) (done, byECS bool, reason string) {
	r := tr.r
	if tr.native && tr.sd != nil {
		sd := tr.sd
		why := sdReason(sd)
		switch sd.Status {
		case types.ServiceDeploymentStatusSuccessful:
			// also wait for the desired count (a scale-up with the same
			// revision completes its deployment before the new tasks run)
			return tr.svc.RunningCount >= tr.svc.DesiredCount, false, ""
		case types.ServiceDeploymentStatusRollbackRequested, types.ServiceDeploymentStatusRollbackInProgress,
			types.ServiceDeploymentStatusRollbackSuccessful:
			return false, true, "ECS rolled the deployment back: " + why
		case types.ServiceDeploymentStatusRollbackFailed:
			return false, true, "ECS tried to roll the deployment back and failed: " + why
		case types.ServiceDeploymentStatusStopped, types.ServiceDeploymentStatusStopRequested:
			return false, false, "the deployment was stopped outside this run: " + why
		}
		e.trackStages(tr, res)
		e.answerHooks(ctx, plan, tr, res)
		return false, false, ""
	}
	if d == nil {
		// Our deployment is gone: ECS replaced it, which after a failure is
		// its circuit breaker rolling back.
		if aws.ToString(tr.svc.TaskDefinition) != r.TaskDefinition {
			return false, true, fmt.Sprintf("ECS replaced the deployment with %s (circuit breaker or deployment alarm rollback)", shortTD(aws.ToString(tr.svc.TaskDefinition)))
		}
		return false, false, ""
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

// answerHooks runs the gates for each PAUSE hook awaiting action and
// answers it: CONTINUE when they pass, ROLLBACK when they fail.
func (e *Engine) answerHooks(ctx context.Context, plan *Plan, tr *tracker, res *Result) {
	for _, h := range tr.sd.LifecycleHookDetails {
		id := aws.ToString(h.HookId)
		if h.TargetType != types.DeploymentLifecycleHookTargetTypePause || h.Status != types.DeploymentLifecycleHookStatusAwaitingAction || tr.answered[id] {
			continue
		}
		stage := string(tr.sd.LifecycleStage)
		v, reason := e.checkGates(ctx, plan.Gates, &tr.gate, tr.r.Started)
		if v == pending {
			return
		}
		if v == fail {
			// fail answers the hook with ROLLBACK (or leaves it paused
			// without rollback-on-failure)
			tr.answered[id] = true
			e.fail(ctx, plan, tr, res, fmt.Sprintf("gate failed at %s: %s", stage, reason), false)
			return
		}
		err := e.retry(ctx, "ecs:ContinueServiceDeployment", func() error {
			_, err := e.ECS.ContinueServiceDeployment(ctx, &ecs.ContinueServiceDeploymentInput{
				ServiceDeploymentArn: tr.sd.ServiceDeploymentArn, HookId: h.HookId, Action: types.DeploymentLifecycleHookActionContinue,
			})
			return err
		})
		if err != nil {
			e.log(tr.r.Service, "failed to continue the deployment at %s (will retry): %v", stage, err)
			return
		}
		tr.answered[id] = true
		tr.gate.successes = 0 // the next pause needs its own evidence
		e.addEvent(res, tr.r.Service, fmt.Sprintf("gates passed at %s; deployment continued", stage))
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
		r.Note = "rollback-on-failure is off: the service stays on " + shortTD(r.TaskDefinition)
		if tr.native && tr.sd != nil && awaitingHook(tr.sd) != nil {
			r.LeftOn = r.Previous // production traffic has not moved
			r.Note = fmt.Sprintf("rollback-on-failure is off: the deployment stays paused at %s; ECS applies the hook's timeout action", tr.sd.LifecycleStage)
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
	if tr.native && tr.sd != nil && (tr.sd.Status == types.ServiceDeploymentStatusInProgress || tr.sd.Status == types.ServiceDeploymentStatusPending) {
		var err error
		if hook := awaitingHook(tr.sd); hook != nil {
			err = e.retry(ctx, "ecs:ContinueServiceDeployment", func() error {
				_, err := e.ECS.ContinueServiceDeployment(ctx, &ecs.ContinueServiceDeploymentInput{
					ServiceDeploymentArn: aws.String(tr.sdArn), HookId: hook.HookId, Action: types.DeploymentLifecycleHookActionRollback,
				})
				return err
			})
		} else {
			err = e.retry(ctx, "ecs:StopServiceDeployment", func() error {
				_, err := e.ECS.StopServiceDeployment(ctx, &ecs.StopServiceDeploymentInput{
					ServiceDeploymentArn: aws.String(tr.sdArn), StopType: types.StopServiceDeploymentStopTypeRollback,
				})
				return err
			})
		}
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
	var out []string
	r := tr.r
	e.count("ecs:ListTasks")
	lt, err := e.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(plan.Cluster), ServiceName: aws.String(r.Service), DesiredStatus: types.DesiredStatusStopped})
	if err == nil && len(lt.TaskArns) > 0 {
		arns := lt.TaskArns[:min(100, len(lt.TaskArns))]
		e.count("ecs:DescribeTasks")
		dt, err := e.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(plan.Cluster), Tasks: arns})
		if err == nil {
			tasks := dt.Tasks
			sort.SliceStable(tasks, func(i, j int) bool { return aws.ToTime(tasks[i].StoppedAt).After(aws.ToTime(tasks[j].StoppedAt)) })
			// The same failure on many tasks is one line with a count.
			var order []string
			seen := map[string]int{}
			for _, t := range tasks {
				if aws.ToString(t.TaskDefinitionArn) != r.TaskDefinition {
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
		}
	}
	return out
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
