package deploy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// Event is one line of the deployment timeline.
type Event struct {
	At      time.Time
	Service string
	What    string
}

// ServiceResult is the outcome for one service.
type ServiceResult struct {
	Service string
	Status  Status
	// Previous is the revision the service ran before; TaskDefinition the
	// one deployed; LeftOn the one it runs (or is converging to) at the end.
	Previous, TaskDefinition, LeftOn string
	DeploymentID                     string
	Strategy                         string
	// Reasons says why the deployment failed; Explanation adds evidence:
	// stopped tasks, exit codes, pull errors, target health.
	Reasons, Explanation []string
	// Events are the service events seen since the deployment began.
	Events []string
	// Images maps container name to image in the deployed revision.
	Images map[string]string
	// Note is a remark for the summary (not waited, nothing to deploy,
	// cancelled ...).
	Note              string
	Started, Finished time.Time
	// FirstFailedTask, FailureDetected, RollbackStarted and RollbackDone
	// time the recovery; zero when it did not happen.
	FirstFailedTask, FailureDetected, RollbackStarted, RollbackDone time.Time
	// RollbackBy is "ECS" when ECS rolled back by itself (circuit breaker,
	// deployment alarms), "ecsflow" when the engine did.
	RollbackBy string
}

// Result is the outcome of a run.
type Result struct {
	Status     Status
	Services   []*ServiceResult
	Timeline   []Event
	Start, End time.Time
	Cancelled  bool
	// Skipped lists services of later waves not deployed after a failure.
	Skipped []string
}

// Service returns the result for a service, or nil.
func (r *Result) Service(name string) *ServiceResult {
	for _, s := range r.Services {
		if s.Service == name {
			return s
		}
	}
	return nil
}

type phase int

const (
	phDeploying phase = iota
	phVerifying
	phRollingBack
	phDone
)

type tracker struct {
	ps    *prepared
	r     *ServiceResult
	phase phase

	native   bool   // tracked through DescribeServiceDeployments
	sdArn    string // service deployment being tracked
	deployID string // primary deployment id (legacy tracking)
	// created is the creation time ECS gave this run's deployment in the
	// UpdateService response; updated is when that response came back.
	// A deployment created later replaced it; until a read shows it, it is
	// "not visible yet" (eventual consistency), for at most Engine.Settle.
	created, updated time.Time
	scaleOnly        bool // same revision, new desired count: no new deployment
	// fresh: a poll answer about this service came back; unseenSince: the
	// first answer that did not show the deployment.
	fresh          bool
	unseenSince    time.Time
	stoppedChecked time.Time
	gatesPassed    bool // gates passed while a native deployment ran
	gated          bool // the service has gates
	// lost says why the deployment can no longer be tracked (a refused
	// DescribeServiceDeployments); the next step fails the service with it.
	lost string

	rbNative bool
	rbArn    string
	rbID     string

	svc *types.Service
	sd  *types.ServiceDeployment
	rsd *types.ServiceDeployment // rollback's service deployment

	seen     map[string]bool
	gate     gateState
	answered map[string]bool

	// last lifecycle stage and traffic weights seen, for the timeline
	stage        string
	prodW, testW float64
	// a PAUSE hook someone else answers: its id, since when, last progress line
	waitHook              string
	waitSince, waitLogged time.Time
}

// Deploy runs a prepared plan wave by wave. It returns a Result in every
// case; the error is non-nil only for a failure before anything changed.
func (e *Engine) Deploy(ctx context.Context, p *Prepared) *Result {
	res := &Result{Start: e.Clock.Now()}
	failed := false
	for i, wave := range p.Plan.Waves {
		if failed || res.Cancelled {
			for _, t := range wave {
				res.Skipped = append(res.Skipped, t.Service)
			}
			continue
		}
		if len(p.Plan.Waves) > 1 {
			e.addEvent(res, "", fmt.Sprintf("wave %d started: %s", i+1, targetNames(wave)))
		}
		if !e.runWave(ctx, p, wave, res) {
			failed = true
		}
	}
	res.End = e.Clock.Now()
	res.Status = Succeeded
	if !p.Plan.Wait {
		res.Status = Started
	}
	for _, s := range res.Services {
		switch s.Status {
		case Failed:
			res.Status = Failed
		case RolledBack:
			if res.Status != Failed {
				res.Status = RolledBack
			}
		}
	}
	return res
}

func targetNames(w []Target) string {
	var n []string
	for _, t := range w {
		n = append(n, t.Service)
	}
	return strings.Join(n, ", ")
}

func (e *Engine) addEvent(res *Result, service, what string) {
	res.Timeline = append(res.Timeline, Event{At: e.Clock.Now(), Service: service, What: what})
	e.log(service, "%s", what)
}

// runWave deploys the services of one wave in parallel and waits for all.
// It reports whether every service succeeded.
func (e *Engine) runWave(ctx context.Context, p *Prepared, wave []Target, res *Result) bool {
	plan := p.Plan
	ts := e.startWave(ctx, p, wave, res)
	if !plan.Wait {
		e.notWaited(ts)
		return allSucceeded(ts)
	}
	deadline := e.Clock.Now().Add(plan.Timeout)
	interval := e.floor()
	waveFailed := false
	for !allDone(ts) {
		if err := e.Clock.Sleep(ctx, interval); err != nil || ctx.Err() != nil {
			e.cancelled(plan, ts, res)
			return false
		}
		interval = min(interval*2, e.ceiling())
		before := phases(ts)
		e.poll(ctx, plan, ts)
		for _, tr := range ts {
			switch tr.phase {
			case phDeploying, phVerifying:
				e.stepDeploy(ctx, plan, tr, res)
			case phRollingBack:
				e.stepRollback(ctx, plan, tr, res)
			}
		}
		e.checkDeadlines(ctx, plan, ts, res, deadline)
		if !waveFailed && anyFailed(ts) {
			waveFailed = true
			if plan.RollbackOnFailure {
				e.rollBackWave(ctx, plan, ts, res)
			}
		}
		if phases(ts) != before {
			interval = e.floor()
		}
	}
	return allSucceeded(ts)
}

// startWave starts the deployment of every service of the wave and
// returns their trackers.
func (e *Engine) startWave(ctx context.Context, p *Prepared, wave []Target, res *Result) []*tracker {
	plan := p.Plan
	var ts []*tracker
	for _, t := range wave {
		tr := &tracker{ps: p.services[t.Service], seen: map[string]bool{}, answered: map[string]bool{}}
		tr.r = &ServiceResult{Service: t.Service, Started: e.Clock.Now()}
		tr.gate.url = t.HealthCheckURL
		if tr.gate.url == "" {
			tr.gate.url = plan.Gates.HealthCheckURL
		}
		tr.gate.anomaly = tr.ps.anomaly
		tr.gated = !plan.gatesFor(t).Empty()
		res.Services = append(res.Services, tr.r)
		ts = append(ts, tr)
		e.start(ctx, plan, tr, res)
	}
	return ts
}

// notWaited ends the trackers of a wave that is not waited for (wait:
// false): each started deployment is left to ECS.
func (e *Engine) notWaited(ts []*tracker) {
	for _, tr := range ts {
		if tr.phase != phDone {
			tr.phase = phDone
			tr.r.Status = Started
			tr.r.Note = "deployment started; not waited for (wait: false)"
			tr.r.LeftOn = tr.r.TaskDefinition
			tr.r.Finished = e.Clock.Now()
		}
	}
}

// checkDeadlines fails a deployment not stable by the deadline and gives
// up on a rollback not steady within the timeout (at least ten minutes).
func (e *Engine) checkDeadlines(ctx context.Context, plan *Plan, ts []*tracker, res *Result, deadline time.Time) {
	now := e.Clock.Now()
	if !now.Before(deadline) {
		for _, tr := range ts {
			if tr.phase == phDeploying || tr.phase == phVerifying {
				e.fail(ctx, plan, tr, res, fmt.Sprintf("timed out after %s: the deployment is not stable yet (%s)", plan.Timeout, progress(tr)), false)
			}
		}
	}
	for _, tr := range ts {
		if tr.phase == phRollingBack && !tr.r.RollbackStarted.IsZero() && now.Sub(tr.r.RollbackStarted) >= max(plan.Timeout, 10*time.Minute) {
			tr.phase = phDone
			tr.r.Status = Failed
			tr.r.Finished = now
			tr.r.Reasons = append(tr.r.Reasons, fmt.Sprintf("rollback to %s did not become steady within %s", taskdef.FamilyRevision(tr.r.Previous), max(plan.Timeout, 10*time.Minute)))
			e.addEvent(res, tr.r.Service, "rollback not steady in time; giving up")
		}
	}
}

// rollBackWave rolls back the wave's other services, succeeded or still
// deploying, once one of them failed (rollback-on-failure).
func (e *Engine) rollBackWave(ctx context.Context, plan *Plan, ts []*tracker, res *Result) {
	for _, tr := range ts {
		if tr.r.Status == Succeeded || tr.phase == phDeploying || tr.phase == phVerifying {
			if tr.r.TaskDefinition == "" || (tr.r.TaskDefinition == tr.r.Previous && tr.r.Status == Succeeded) {
				continue
			}
			tr.r.Reasons = append(tr.r.Reasons, "rolled back with its wave because "+failedNames(ts)+" failed")
			e.startRollback(ctx, plan, tr, res)
		}
	}
}

func phases(ts []*tracker) string {
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "%d", t.phase)
	}
	return b.String()
}

func allDone(ts []*tracker) bool {
	for _, t := range ts {
		if t.phase != phDone {
			return false
		}
	}
	return true
}

func allSucceeded(ts []*tracker) bool {
	for _, t := range ts {
		if t.r.Status != Succeeded && t.r.Status != Started {
			return false
		}
	}
	return true
}

func anyFailed(ts []*tracker) bool {
	for _, t := range ts {
		if !t.r.FailureDetected.IsZero() {
			return true
		}
	}
	return false
}

func failedNames(ts []*tracker) string {
	var n []string
	for _, t := range ts {
		if !t.r.FailureDetected.IsZero() {
			n = append(n, t.r.Service)
		}
	}
	return strings.Join(n, ", ")
}

func progress(tr *tracker) string {
	if tr.svc == nil {
		return "no state seen"
	}
	for _, d := range tr.svc.Deployments {
		if aws.ToString(d.TaskDefinition) == tr.r.TaskDefinition {
			return fmt.Sprintf("%d of %d new tasks running, %d pending, %d failed", d.RunningCount, d.DesiredCount, d.PendingCount, d.FailedTasks)
		}
	}
	return fmt.Sprintf("%d of %d tasks running", tr.svc.RunningCount, tr.svc.DesiredCount)
}

// start registers the task definition and updates the service.
func (e *Engine) start(ctx context.Context, plan *Plan, tr *tracker, res *Result) {
	ps, r := tr.ps, tr.r
	r.Previous = aws.ToString(ps.service.TaskDefinition)
	arn, ok := e.revision(ctx, tr, res)
	if !ok {
		return
	}
	r.TaskDefinition = arn
	if ps.doc != nil {
		r.Images = ps.doc.Images()
	} else if ps.current != nil && arn == aws.ToString(ps.current.TaskDefinitionArn) {
		r.Images = map[string]string{}
		for _, c := range ps.current.ContainerDefinitions {
			r.Images[aws.ToString(c.Name)] = aws.ToString(c.Image)
		}
	}
	if arn == r.Previous && !plan.ForceNewDeployment && ps.target.DesiredCount == nil {
		tr.phase = phDone
		r.Status = Succeeded
		r.LeftOn = arn
		r.Note = "already runs this revision; nothing to deploy (set force-new-deployment to restart tasks)"
		r.Finished = e.Clock.Now()
		return
	}
	e.update(ctx, plan, tr, res, arn)
}

// revision registers the service's new task definition, or names the
// revision it reuses; false when registering failed (the service is
// finished as failed).
func (e *Engine) revision(ctx context.Context, tr *tracker, res *Result) (string, bool) {
	ps, r := tr.ps, tr.r
	arn := ps.reuseARN
	if ps.doc != nil {
		in, err := ps.doc.Input()
		var out *ecs.RegisterTaskDefinitionOutput
		if err == nil {
			err = e.retry(ctx, "ecs:RegisterTaskDefinition", func() (err error) {
				out, err = e.ECS.RegisterTaskDefinition(ctx, in, ps.doc.RegisterOptions()...)
				return err
			})
		}
		if err != nil {
			e.finishEarly(res, tr, Failed, fmt.Sprintf("failed to register task definition %s: %v", ps.doc.Family(), err))
			return "", false
		}
		arn = aws.ToString(out.TaskDefinition.TaskDefinitionArn)
		e.addEvent(res, r.Service, "registered "+taskdef.FamilyRevision(arn))
	} else if arn == r.Previous {
		e.addEvent(res, r.Service, "task definition unchanged: "+taskdef.FamilyRevision(arn))
	} else {
		e.addEvent(res, r.Service, "reusing existing revision "+taskdef.FamilyRevision(arn))
	}
	return arn, true
}

// update moves the service to arn with UpdateService and starts following
// the deployment it started.
func (e *Engine) update(ctx context.Context, plan *Plan, tr *tracker, res *Result, arn string) {
	ps, r := tr.ps, tr.r
	in := &ecs.UpdateServiceInput{
		Cluster:                 aws.String(plan.Cluster),
		Service:                 aws.String(r.Service),
		TaskDefinition:          aws.String(arn),
		DesiredCount:            ps.target.DesiredCount,
		ForceNewDeployment:      plan.ForceNewDeployment,
		DeploymentConfiguration: deploymentConfig(plan, ps.target, &ps.service),
	}
	r.Strategy = strategyName(in.DeploymentConfiguration, &ps.service)
	var out *ecs.UpdateServiceOutput
	err := e.retry(ctx, "ecs:UpdateService", func() (err error) {
		out, err = e.ECS.UpdateService(ctx, in)
		return err
	})
	if err != nil && !noAnswer(err) {
		e.finishEarly(res, tr, Failed, fmt.Sprintf("failed to update service %s (it still runs %s): %v", r.Service, taskdef.FamilyRevision(r.Previous), err))
		r.LeftOn = r.Previous
		return
	}
	if err != nil {
		// No answer: ECS may have applied the update. The service is
		// followed through DescribeServices; a deployment of arn that does
		// not show within Engine.Settle was not applied, and fails.
		e.addEvent(res, r.Service, fmt.Sprintf("UpdateService did not answer (%v); it may have been applied: following the service to find out", err))
	}
	r.LeftOn = arn
	if err != nil {
		r.LeftOn = r.Previous // until a read shows the deployment of arn
	}
	tr.updated = e.Clock.Now()
	tr.scaleOnly = arn == r.Previous && !plan.ForceNewDeployment
	e.follow(ctx, plan, tr, out, arn)
	e.addEvent(res, r.Service, fmt.Sprintf("deployment started (%s) %s → %s", strings.ToLower(r.Strategy), taskdef.FamilyRevision(r.Previous), taskdef.FamilyRevision(arn)))
}

// follow records which deployment is this run's, from UpdateService's
// answer (nil when it gave none) or, without a service deployment in it,
// from the service deployments started since.
func (e *Engine) follow(ctx context.Context, plan *Plan, tr *tracker, out *ecs.UpdateServiceOutput, arn string) {
	r := tr.r
	if out != nil && out.Service != nil {
		// The response to the write is this run's own view: its primary
		// deployment of arn and its current service deployment are ours,
		// whatever a later (possibly stale) read shows.
		tr.svc = out.Service
		if d := ownDeployment(out.Service, arn); d != nil {
			tr.deployID = aws.ToString(d.Id)
			tr.created = aws.ToTime(d.CreatedAt)
		}
		tr.sdArn = aws.ToString(out.Service.CurrentServiceDeployment)
		for _, ev := range out.Service.Events { // events from before the deploy are not news
			tr.seen[aws.ToString(ev.Id)] = true
		}
	}
	if tr.sdArn == "" && out != nil {
		tr.sdArn = e.findServiceDeployment(ctx, plan.Cluster, r.Service, tr.created)
	}
	tr.native = tr.sdArn != ""
	r.DeploymentID = tr.sdArn
	if r.DeploymentID == "" {
		r.DeploymentID = tr.deployID
	}
}

// noAnswer reports whether a call failed without an answer from AWS (a
// timeout, a dropped connection, a cancelled request): the request may
// have been applied.
func noAnswer(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return false
	}
	var se *smithyhttp.RequestSendError
	var ne net.Error
	return errors.As(err, &se) || (errors.As(err, &ne) && ne.Timeout()) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (e *Engine) finishEarly(res *Result, tr *tracker, st Status, reason string) {
	tr.phase = phDone
	tr.r.Status = st
	tr.r.Reasons = append(tr.r.Reasons, reason)
	tr.r.FailureDetected = e.Clock.Now()
	tr.r.Finished = e.Clock.Now()
	e.addEvent(res, tr.r.Service, reason)
}

func primaryID(s *types.Service, td string) string {
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" && (td == "" || aws.ToString(d.TaskDefinition) == td) {
			return aws.ToString(d.Id)
		}
	}
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			return aws.ToString(d.Id)
		}
	}
	return ""
}

// findServiceDeployment looks up the service deployment created at or after
// since (the creation time of this run's deployment), for an UpdateService
// response without currentServiceDeployment; "" when the API is not
// available (moto) or shows none yet.
func (e *Engine) findServiceDeployment(ctx context.Context, cluster, service string, since time.Time) string {
	in := &ecs.ListServiceDeploymentsInput{
		Cluster: aws.String(cluster), Service: aws.String(service),
		Status: []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusPending, types.ServiceDeploymentStatusInProgress},
	}
	if !since.IsZero() {
		in.CreatedAt = &types.CreatedAt{After: aws.Time(since.Add(-time.Second))}
	}
	var out *ecs.ListServiceDeploymentsOutput
	err := e.retry(ctx, "ecs:ListServiceDeployments", func() (err error) {
		out, err = e.ECS.ListServiceDeployments(ctx, in)
		return err
	})
	if err != nil || out == nil {
		return ""
	}
	var best string
	var bestAt time.Time
	for _, b := range out.ServiceDeployments {
		at := aws.ToTime(b.CreatedAt)
		if best == "" || at.After(bestAt) {
			best, bestAt = aws.ToString(b.ServiceDeploymentArn), at
		}
	}
	return best
}

// ownDeployment is the PRIMARY deployment of revision td in an
// UpdateService response.
func ownDeployment(s *types.Service, td string) *types.Deployment {
	for i := range s.Deployments {
		d := &s.Deployments[i]
		if aws.ToString(d.Status) == "PRIMARY" && aws.ToString(d.TaskDefinition) == td {
			return d
		}
	}
	return nil
}

func strategyName(dc *types.DeploymentConfiguration, s *types.Service) string {
	if dc != nil && dc.Strategy != "" {
		return string(dc.Strategy)
	}
	if s.DeploymentConfiguration != nil && s.DeploymentConfiguration.Strategy != "" {
		return string(s.DeploymentConfiguration.Strategy)
	}
	return string(types.DeploymentStrategyRolling)
}

func minutes(d time.Duration) *int32 {
	return aws.Int32(int32(math.Ceil(d.Minutes())))
}

// deploymentConfig returns the deployment configuration to send, or nil to
// keep the service's own. It starts from the service's configuration so
// circuit breaker and alarm settings survive.
func deploymentConfig(plan *Plan, t Target, s *types.Service) *types.DeploymentConfiguration {
	st := plan.Strategy
	cur := s.DeploymentConfiguration
	effective := types.DeploymentStrategyRolling
	if cur != nil && cur.Strategy != "" {
		effective = cur.Strategy
	}
	switch st.Kind {
	case "rolling":
		effective = types.DeploymentStrategyRolling
	case "blue-green":
		effective = types.DeploymentStrategyBlueGreen
	case "canary":
		effective = types.DeploymentStrategyCanary
	case "linear":
		effective = types.DeploymentStrategyLinear
	}
	// ecsflow adds no lifecycle hook for its gates. A hook would stay in the
	// service's configuration after the run (Terraform, the console and the
	// next deployer would inherit a pause nobody answers), and removing it
	// again needs an UpdateService, which starts another deployment. The
	// gates run instead while the deployment shifts traffic and bakes, with
	// the old revision still running: a failing gate stops the deployment
	// with StopServiceDeployment ROLLBACK, which returns traffic to the old
	// revision at once. Hooks already in the service's configuration belong
	// to their owners and are never answered here.
	if st.Kind == "" {
		return nil
	}
	dc := &types.DeploymentConfiguration{}
	if cur != nil {
		c := *cur
		dc = &c
		dc.LifecycleHooks = append([]types.DeploymentLifecycleHook(nil), cur.LifecycleHooks...)
	}
	dc.Strategy = effective
	if st.BakeTime > 0 {
		dc.BakeTimeInMinutes = minutes(st.BakeTime)
	}
	switch effective {
	case types.DeploymentStrategyCanary:
		cc := &types.CanaryConfiguration{}
		if dc.CanaryConfiguration != nil {
			*cc = *dc.CanaryConfiguration
		}
		if st.CanaryPercent > 0 {
			cc.CanaryPercent = aws.Float64(st.CanaryPercent)
		}
		if st.CanaryBakeTime > 0 {
			cc.CanaryBakeTimeInMinutes = minutes(st.CanaryBakeTime)
		}
		if cc.CanaryPercent == nil {
			cc.CanaryPercent = aws.Float64(defaultCanaryPercent)
		}
		if cc.CanaryBakeTimeInMinutes == nil {
			cc.CanaryBakeTimeInMinutes = minutes(defaultCanaryBake)
		}
		dc.CanaryConfiguration = cc
	case types.DeploymentStrategyLinear:
		lc := &types.LinearConfiguration{}
		if dc.LinearConfiguration != nil {
			*lc = *dc.LinearConfiguration
		}
		if st.LinearStepPercent > 0 {
			lc.StepPercent = aws.Float64(st.LinearStepPercent)
		}
		if st.LinearInterval > 0 {
			lc.StepBakeTimeInMinutes = minutes(st.LinearInterval)
		}
		if lc.StepPercent == nil {
			lc.StepPercent = aws.Float64(defaultStepPercent)
		}
		if lc.StepBakeTimeInMinutes == nil {
			lc.StepBakeTimeInMinutes = minutes(defaultLinearInterval)
		}
		dc.LinearConfiguration = lc
	}
	return dc
}
