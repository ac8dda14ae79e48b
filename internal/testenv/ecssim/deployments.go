package ecssim

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func (s *Sim) findRollout(arn string) *rollout {
	for _, c := range s.clusters {
		for _, svc := range c.services {
			for _, r := range svc.rollouts {
				if r.arn == arn {
					return r
				}
			}
		}
	}
	return nil
}

func (s *Sim) revisionOut(d *dep) *types.ServiceRevisionSummary {
	if d == nil {
		return nil
	}
	_, _, run, pend := d.roSvc(s).live(d)
	return &types.ServiceRevisionSummary{
		Arn: ptr(d.revArn), RequestedTaskCount: d.want, RunningTaskCount: run, PendingTaskCount: pend,
		RequestedProductionTrafficWeight: ptr(d.prod), RequestedTestTrafficWeight: ptr(d.test),
	}
}

// roSvc finds the service of a deployment through its rollout.
func (d *dep) roSvc(s *Sim) *service {
	if d.ro != nil {
		return d.ro.svc
	}
	for _, c := range s.clusters {
		for _, svc := range c.services {
			for _, x := range svc.deps {
				if x == d {
					return svc
				}
			}
		}
	}
	return &service{}
}

func (s *Sim) rolloutOut(r *rollout) types.ServiceDeployment {
	cfg := r.cfg
	out := types.ServiceDeployment{
		ServiceDeploymentArn: ptr(r.arn), ServiceArn: ptr(r.svc.arn), ClusterArn: ptr(r.svc.c.arn),
		CreatedAt: ptr(r.created), StartedAt: r.started, FinishedAt: r.finished, StoppedAt: r.stoppedT,
		UpdatedAt: ptr(r.updated), Status: r.status, StatusReason: nonEmpty(r.reason),
		LifecycleStage: r.stage, DeploymentConfiguration: &cfg, Rollback: r.rb,
		TargetServiceRevision: s.revisionOut(r.target),
		DeploymentCircuitBreaker: &types.ServiceDeploymentCircuitBreaker{
			FailureCount: r.cbCount, Status: r.cbStatus, Threshold: r.cbThreshold,
		},
		Alarms: &types.ServiceDeploymentAlarms{Status: r.alarmStatus, TriggeredAlarmNames: r.triggered},
	}
	if r.cfg.Alarms != nil {
		out.Alarms.AlarmNames = r.cfg.Alarms.AlarmNames
	}
	for _, d := range r.sources {
		out.SourceServiceRevisions = append(out.SourceServiceRevisions, *s.revisionOut(d))
	}
	for _, h := range r.hooks {
		out.LifecycleHookDetails = append(out.LifecycleHookDetails, types.DeploymentLifecycleHookDetail{
			HookId: ptr(h.id), Status: h.status, TargetType: h.hook.TargetType, TargetArn: h.hook.HookTargetArn,
			ExpiresAt: timePtr(h.expires), TimeoutAction: h.action,
		})
	}
	return out
}

// DescribeServiceDeployments describes service deployments by ARN; unknown
// ARNs are reported as failures.
func (s *Sim) DescribeServiceDeployments(ctx context.Context, in *ecs.DescribeServiceDeploymentsInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServiceDeploymentsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("DescribeServiceDeployments"); err != nil {
		return nil, err
	}
	if len(in.ServiceDeploymentArns) == 0 || len(in.ServiceDeploymentArns) > 20 {
		return nil, invalidParam("serviceDeploymentArns must contain between 1 and 20 items.")
	}
	out := &ecs.DescribeServiceDeploymentsOutput{}
	for _, arn := range in.ServiceDeploymentArns {
		var sd types.ServiceDeployment
		r := s.findRollout(arn)
		visible := r != nil
		if visible {
			sd, visible = s.visibleRollout(r)
		}
		if !visible {
			out.Failures = append(out.Failures, types.Failure{Arn: ptr(arn), Reason: ptr("MISSING"), Detail: ptr("Service deployment not found.")})
			continue
		}
		out.ServiceDeployments = append(out.ServiceDeployments, sd)
	}
	return out, nil
}

// ListServiceDeployments lists a service's deployments, newest first.
func (s *Sim) ListServiceDeployments(ctx context.Context, in *ecs.ListServiceDeploymentsInput, optFns ...func(*ecs.Options)) (*ecs.ListServiceDeploymentsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ListServiceDeployments"); err != nil {
		return nil, err
	}
	c, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	svc := c.services[resolveName(deref(in.Service))]
	if v := (*serviceView)(nil); svc != nil {
		v = s.staleFor(svc)
		if v != nil && !v.exists {
			svc = nil // created, not visible yet
		}
	}
	if svc == nil {
		return nil, &types.ServiceNotFoundException{Message: ptr("Service not found.")}
	}
	var briefs []types.ServiceDeploymentBrief
	for _, sd := range s.visibleRollouts(svc) {
		if len(in.Status) > 0 && !containsStatus(in.Status, sd.Status) {
			continue
		}
		if ca := in.CreatedAt; ca != nil {
			created := deref(sd.CreatedAt)
			if ca.After != nil && created.Before(*ca.After) || ca.Before != nil && created.After(*ca.Before) {
				continue
			}
		}
		briefs = append(briefs, types.ServiceDeploymentBrief{
			ServiceDeploymentArn: sd.ServiceDeploymentArn, ServiceArn: sd.ServiceArn, ClusterArn: sd.ClusterArn,
			CreatedAt: sd.CreatedAt, StartedAt: sd.StartedAt, FinishedAt: sd.FinishedAt,
			Status: sd.Status, StatusReason: sd.StatusReason, TargetServiceRevisionArn: sd.TargetServiceRevision.Arn,
		})
	}
	page, next, err := paginate(briefs, in.NextToken, in.MaxResults, 20)
	if err != nil {
		return nil, err
	}
	return &ecs.ListServiceDeploymentsOutput{ServiceDeployments: page, NextToken: next}, nil
}

func containsStatus(list []types.ServiceDeploymentStatus, st types.ServiceDeploymentStatus) bool {
	for _, x := range list {
		if x == st {
			return true
		}
	}
	return false
}

// StopServiceDeployment stops an in-progress service deployment: ROLLBACK
// (the default) returns to the last completed revision, ABORT leaves the
// service as it is.
func (s *Sim) StopServiceDeployment(ctx context.Context, in *ecs.StopServiceDeploymentInput, optFns ...func(*ecs.Options)) (*ecs.StopServiceDeploymentOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("StopServiceDeployment"); err != nil {
		return nil, err
	}
	r := s.findRollout(deref(in.ServiceDeploymentArn))
	if r == nil {
		return nil, &types.ServiceDeploymentNotFoundException{Message: ptr("Service deployment not found.")}
	}
	if !r.active() || r.rollingBack() || r.status == types.ServiceDeploymentStatusStopRequested {
		return nil, &types.ConflictException{Message: ptr("The service deployment is not in progress and cannot be stopped.")}
	}
	now := s.last
	s.beforeWrite(r.svc)
	if in.StopType == types.StopServiceDeploymentStopTypeAbort {
		r.aborted = true
		r.status = types.ServiceDeploymentStatusStopRequested
		r.reason = "Service deployment stopped by user (ABORT)."
		r.target.launch = false
		r.target.state = types.DeploymentRolloutStateFailed
		r.target.reason = r.reason
		r.updated = now
	} else {
		r.target.state = types.DeploymentRolloutStateFailed
		r.target.reason = "Service deployment rolled back by user."
		r.svc.event(now, s, "(deployment %s) deployment stopped by user: rolling back.", r.target.id)
		s.startRollback(r, now, "Service deployment rolled back by user (StopServiceDeployment).")
	}
	return &ecs.StopServiceDeploymentOutput{ServiceDeploymentArn: ptr(r.arn)}, nil
}

// ContinueServiceDeployment answers the PAUSE lifecycle hook HookId:
// CONTINUE (the default) lets the deployment go on, ROLLBACK rolls it back.
// HookId is required, and the hook must be AWAITING_ACTION; anything else is
// an InvalidParameterException (the SDK doc comment of
// ContinueServiceDeploymentInput.HookId marks it required, and the API
// reference lists no ConflictException for this call).
func (s *Sim) ContinueServiceDeployment(ctx context.Context, in *ecs.ContinueServiceDeploymentInput, optFns ...func(*ecs.Options)) (*ecs.ContinueServiceDeploymentOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ContinueServiceDeployment"); err != nil {
		return nil, err
	}
	r := s.findRollout(deref(in.ServiceDeploymentArn))
	if r == nil {
		return nil, &types.ServiceDeploymentNotFoundException{Message: ptr("Service deployment not found.")}
	}
	now := s.last
	if deref(in.HookId) == "" {
		return nil, invalidParam("hookId must be specified: find it in the lifecycleHookDetails of DescribeServiceDeployments.")
	}
	var waiting []*hookRun
	for _, h := range r.hooks {
		if h.status == types.DeploymentLifecycleHookStatusAwaitingAction && *in.HookId == h.id {
			waiting = append(waiting, h)
		}
	}
	if !r.active() || len(waiting) == 0 {
		return nil, invalidParam("The lifecycle hook %s is not awaiting action in service deployment %s.", *in.HookId, r.arn)
	}
	action := in.Action
	if action == "" {
		action = types.DeploymentLifecycleHookActionContinue
	}
	for _, h := range waiting {
		if action == types.DeploymentLifecycleHookActionRollback {
			h.status = types.DeploymentLifecycleHookStatusFailed
		} else {
			h.status = types.DeploymentLifecycleHookStatusSucceeded
		}
	}
	r.updated = now
	if action == types.DeploymentLifecycleHookActionRollback {
		s.failRollout(r, now, "rolled back by lifecycle hook", "Service deployment rolled back by lifecycle hook.", true)
	} else {
		s.advanceRollout(r, now)
		s.schedule(r.svc, now)
	}
	return &ecs.ContinueServiceDeploymentOutput{ServiceDeploymentArn: ptr(r.arn)}, nil
}

// ListTasks lists task ARNs in a cluster, filtered like ECS (DesiredStatus
// defaults to RUNNING).
func (s *Sim) ListTasks(ctx context.Context, in *ecs.ListTasksInput, optFns ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ListTasks"); err != nil {
		return nil, err
	}
	c, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	// "When you specify startedBy as the filter, it must be the only
	// filter that you use" (SDK doc comment of ListTasksInput.StartedBy);
	// desiredStatus still selects which tasks are listed.
	if in.StartedBy != nil && (in.ServiceName != nil || in.Family != nil || in.ContainerInstance != nil || in.LaunchType != "") {
		return nil, invalidParam("startedBy must be the only filter: remove serviceName, family, containerInstance and launchType.")
	}
	want := string(in.DesiredStatus)
	if want == "" {
		want = "RUNNING"
	}
	if in.ServiceName != nil {
		if svc := c.services[resolveName(*in.ServiceName)]; svc == nil {
			return nil, &types.ServiceNotFoundException{Message: ptr("Service not found.")}
		}
	}
	var arns []string
	for _, n := range c.order {
		svc := c.services[n]
		if in.ServiceName != nil && svc.name != resolveName(*in.ServiceName) {
			continue
		}
		for _, t := range svc.tasks {
			if t.desired != want && !(want == "PENDING" && t.alive() && t.last != "RUNNING") {
				continue
			}
			if in.Family != nil && *in.Family != t.td.family || in.StartedBy != nil && *in.StartedBy != t.d.id || !s.taskVisible(t) {
				continue
			}
			arns = append(arns, t.arn)
		}
	}
	page, next, err := paginate(arns, in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	return &ecs.ListTasksOutput{TaskArns: page, NextToken: next}, nil
}

// DescribeTasks describes up to 100 tasks by ARN or ID.
func (s *Sim) DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("DescribeTasks"); err != nil {
		return nil, err
	}
	c, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	if len(in.Tasks) == 0 || len(in.Tasks) > 100 {
		return nil, invalidParam("tasks must contain between 1 and 100 items.")
	}
	byID := map[string]*task{}
	for _, svc := range c.services {
		for _, t := range svc.tasks {
			byID[t.id] = t
		}
	}
	out := &ecs.DescribeTasksOutput{}
	for _, ref := range in.Tasks {
		t := byID[resolveName(ref)]
		if t == nil || !s.taskVisible(t) {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = s.arn("task/" + c.name + "/" + ref)
			}
			out.Failures = append(out.Failures, types.Failure{Arn: ptr(arn), Reason: ptr("MISSING")})
			continue
		}
		out.Tasks = append(out.Tasks, s.taskOut(c, t))
	}
	return out, nil
}

func (s *Sim) taskOut(c *cluster, t *task) types.Task {
	svc := t.svc
	var containers []types.Container
	for i, cd := range t.td.def.ContainerDefinitions {
		ct := types.Container{
			ContainerArn: ptr(s.arn("container/" + c.name + "/" + t.id + "/" + uuidLike(hashHex(t.id+deref(cd.Name))))),
			TaskArn:      ptr(t.arn), Name: cd.Name, Image: cd.Image, LastStatus: ptr(containerStatus(t)),
			HealthStatus:      t.health,
			NetworkInterfaces: []types.NetworkInterface{{AttachmentId: ptr(uuidLike(hashHex("eni" + t.id))), PrivateIpv4Address: ptr(t.ip)}},
		}
		if cd.Cpu != 0 {
			ct.Cpu = ptr(itoa(int(cd.Cpu)))
		}
		if cd.Memory != nil {
			ct.Memory = ptr(itoa(int(*cd.Memory)))
		}
		if i == failingContainer(t) {
			if t.exitCode != nil {
				ct.ExitCode = t.exitCode
			}
			if t.cReason != "" {
				ct.Reason = ptr(t.cReason)
			}
		}
		if ct.ExitCode == nil && t.last == "STOPPED" && t.started != nil {
			ct.ExitCode = ptr(int32(0))
		}
		if t.pullStop != nil {
			ct.ImageDigest = ptr("sha256:" + hashHex(deref(cd.Image)))
		}
		containers = append(containers, ct)
	}
	out := types.Task{
		TaskArn: ptr(t.arn), ClusterArn: ptr(c.arn), TaskDefinitionArn: ptr(t.td.arn),
		LastStatus: ptr(t.last), DesiredStatus: ptr(t.desired), CreatedAt: ptr(t.created),
		PullStartedAt: t.pullStart, PullStoppedAt: t.pullStop, StartedAt: t.started,
		StoppingAt: t.stopping, StoppedAt: t.stopped, ExecutionStoppedAt: t.stopped,
		StopCode: t.stopCode, StoppedReason: nonEmpty(t.reason), Containers: containers,
		Group: ptr("service:" + svc.name), StartedBy: ptr(t.d.id), LaunchType: svc.launchType,
		Cpu: t.td.def.Cpu, Memory: t.td.def.Memory, HealthStatus: t.health, Version: t.version,
		AvailabilityZone: ptr(s.region + t.az), Connectivity: types.ConnectivityConnected, ConnectivityAt: ptr(t.created),
		PlatformVersion: nonEmpty(platformOf(svc)),
		Attachments: []types.Attachment{{
			Id: ptr(uuidLike(hashHex("eni" + t.id))), Type: ptr("ElasticNetworkInterface"), Status: ptr(attachmentStatus(t)),
			Details: []types.KeyValuePair{{Name: ptr("privateIPv4Address"), Value: ptr(t.ip)}},
		}},
	}
	return out
}

func platformOf(svc *service) string {
	if svc.launchType == types.LaunchTypeFargate {
		return "1.4.0"
	}
	return ""
}

func containerStatus(t *task) string {
	if t.exitCode != nil || t.cReason != "" {
		return "STOPPED"
	}
	switch t.last {
	case "DEPROVISIONING":
		return "STOPPED"
	case "PROVISIONING":
		return "PENDING"
	case "DEACTIVATING":
		return "RUNNING"
	}
	return t.last
}

func attachmentStatus(t *task) string {
	switch t.last {
	case "PROVISIONING":
		return "PRECREATED"
	case "STOPPED":
		return "DELETED"
	}
	return "ATTACHED"
}

// Target is one task's registration in a service's target group.
type Target struct {
	TargetGroupArn string
	TaskArn        string
	// ID is the task's private IP, as registered in an ip target group.
	ID   string
	Port int32
	// State is the ELBv2 target state: initial, healthy, unhealthy, draining.
	State string
	// Reason is the ELBv2 reason code for states other than healthy.
	Reason string
	// TaskDefinitionArn is the revision the task runs.
	TaskDefinitionArn string
	// ProductionWeight is the share of production traffic (percent) the
	// task's service revision receives.
	ProductionWeight float64
}

// TargetHealth returns the load balancer targets of a service (name or ARN,
// in any cluster), ordered by task start. Tasks that are stopped or not yet
// RUNNING have no target.
func (s *Sim) TargetHealth(service string) []Target {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	var out []Target
	names := make([]string, 0, len(s.clusters))
	for n := range s.clusters {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		svc := s.clusters[n].services[resolveName(service)]
		if svc == nil || !svc.hasLB() || (strings.HasPrefix(service, "arn:") && svc.arn != service) {
			continue
		}
		for _, t := range svc.tasks {
			if t.target == "" {
				continue
			}
			tg := Target{TargetGroupArn: svc.targetGroup(), TaskArn: t.arn, ID: t.ip, Port: deref(svc.lbs[0].ContainerPort),
				State: t.target, TaskDefinitionArn: t.td.arn, ProductionWeight: t.d.prod}
			switch t.target {
			case "initial":
				tg.Reason = "Elb.InitialHealthChecking"
			case "unhealthy":
				tg.Reason = "Target.FailedHealthChecks"
			case "draining":
				tg.Reason = "Target.DeregistrationInProgress"
			}
			out = append(out, tg)
		}
	}
	return out
}

// TargetHealthDescriptions returns a target group's targets in the shape of
// ELBv2 DescribeTargetHealth, so a sandbox can answer that call.
func (s *Sim) TargetHealthDescriptions(targetGroupArn string) []elbtypes.TargetHealthDescription {
	s.mu.Lock()
	var svcs []string
	for _, c := range s.clusters {
		for _, svc := range c.services {
			if svc.targetGroup() == targetGroupArn {
				svcs = append(svcs, svc.arn)
			}
		}
	}
	s.mu.Unlock()
	sort.Strings(svcs)
	var out []elbtypes.TargetHealthDescription
	for _, arn := range svcs {
		for _, t := range s.TargetHealth(arn) {
			d := elbtypes.TargetHealthDescription{
				Target:       &elbtypes.TargetDescription{Id: ptr(t.ID), Port: ptr(t.Port)},
				TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnum(t.State)},
			}
			if t.Reason != "" {
				d.TargetHealth.Reason = elbtypes.TargetHealthReasonEnum(t.Reason)
			}
			out = append(out, d)
		}
	}
	return out
}

// failingContainer is the index of the container an injected fault hits:
// the first essential container whose image the fault names, else the
// first essential container.
func failingContainer(t *task) int {
	if t.pullFailed > 0 {
		return t.pullFailed - 1
	}
	first := -1
	for i, cd := range t.td.def.ContainerDefinitions {
		if cd.Essential != nil && !*cd.Essential {
			continue
		}
		if first < 0 {
			first = i
		}
		if t.fault != nil && t.fault.Image != "" && cd.Image != nil && matchImage(t.fault.Image, *cd.Image) {
			return i
		}
	}
	if first < 0 {
		return 0
	}
	return first
}
