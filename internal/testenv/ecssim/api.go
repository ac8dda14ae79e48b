package ecssim

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func (s *Sim) cluster(ref *string) (*cluster, error) {
	name := "default"
	if ref != nil && *ref != "" {
		name = resolveName(*ref)
	}
	c := s.clusters[name]
	if c == nil {
		return nil, &types.ClusterNotFoundException{Message: ptr("Cluster not found.")}
	}
	return c, nil
}

func (s *Sim) service(c *cluster, ref *string) (*service, error) {
	svc := c.services[resolveName(deref(ref))]
	if svc == nil || svc.status != "ACTIVE" {
		return nil, &types.ServiceNotFoundException{Message: ptr("Service not found.")}
	}
	return svc, nil
}

// CreateCluster creates a cluster (idempotent, as on ECS).
func (s *Sim) CreateCluster(ctx context.Context, in *ecs.CreateClusterInput, optFns ...func(*ecs.Options)) (*ecs.CreateClusterOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("CreateCluster"); err != nil {
		return nil, err
	}
	name := deref(in.ClusterName)
	if name == "" {
		name = "default"
	}
	c := s.clusters[name]
	if c == nil {
		c = &cluster{name: name, arn: s.arn("cluster/" + name), created: s.last, tags: append([]types.Tag(nil), in.Tags...),
			settings: append([]types.ClusterSetting(nil), in.Settings...), services: map[string]*service{}}
		s.clusters[name] = c
	}
	out := s.clusterOut(c)
	out.Settings = append([]types.ClusterSetting(nil), c.settings...)
	return &ecs.CreateClusterOutput{Cluster: &out}, nil
}

func (s *Sim) clusterOut(c *cluster) types.Cluster {
	var running, pending, active int32
	for _, svc := range c.services {
		if svc.status == "ACTIVE" {
			active++
		}
		for _, t := range svc.tasks {
			switch t.last {
			case "RUNNING":
				running++
			case "PROVISIONING", "PENDING":
				pending++
			}
		}
	}
	return types.Cluster{
		ClusterArn: ptr(c.arn), ClusterName: ptr(c.name), Status: ptr("ACTIVE"),
		ActiveServicesCount: active, RunningTasksCount: running, PendingTasksCount: pending,
		CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"}, Tags: append([]types.Tag(nil), c.tags...),
	}
}

// DescribeClusters describes clusters; unknown ones are reported as MISSING
// failures.
func (s *Sim) DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, optFns ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("DescribeClusters"); err != nil {
		return nil, err
	}
	refs := in.Clusters
	if len(refs) == 0 {
		refs = []string{"default"}
	}
	out := &ecs.DescribeClustersOutput{}
	for _, ref := range refs {
		c := s.clusters[resolveName(ref)]
		if c == nil {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = s.arn("cluster/" + ref)
			}
			out.Failures = append(out.Failures, types.Failure{Arn: ptr(arn), Reason: ptr("MISSING")})
			continue
		}
		co := s.clusterOut(c)
		// As ECS does, settings come back only when asked for.
		for _, f := range in.Include {
			if f == types.ClusterFieldSettings {
				co.Settings = append([]types.ClusterSetting(nil), c.settings...)
			}
		}
		out.Clusters = append(out.Clusters, co)
	}
	return out, nil
}

// ListClusters lists cluster ARNs.
func (s *Sim) ListClusters(ctx context.Context, in *ecs.ListClustersInput, optFns ...func(*ecs.Options)) (*ecs.ListClustersOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ListClusters"); err != nil {
		return nil, err
	}
	var arns []string
	for _, c := range s.clusters {
		arns = append(arns, c.arn)
	}
	sort.Strings(arns)
	page, next, err := paginate(arns, in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	return &ecs.ListClustersOutput{ClusterArns: page, NextToken: next}, nil
}

func defaultDeploymentConfig() types.DeploymentConfiguration {
	return types.DeploymentConfiguration{
		MaximumPercent:           ptr(int32(200)),
		MinimumHealthyPercent:    ptr(int32(100)),
		DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{},
		Strategy:                 types.DeploymentStrategyRolling,
	}
}

// mergeConfig applies the fields UpdateService/CreateService set.
func mergeConfig(dst *types.DeploymentConfiguration, in *types.DeploymentConfiguration) {
	if in == nil {
		return
	}
	if in.MaximumPercent != nil {
		dst.MaximumPercent = in.MaximumPercent
	}
	if in.MinimumHealthyPercent != nil {
		dst.MinimumHealthyPercent = in.MinimumHealthyPercent
	}
	if in.DeploymentCircuitBreaker != nil {
		cb := *in.DeploymentCircuitBreaker
		dst.DeploymentCircuitBreaker = &cb
	}
	if in.Alarms != nil {
		a := *in.Alarms
		dst.Alarms = &a
	}
	if in.Strategy != "" {
		dst.Strategy = in.Strategy
	}
	if in.BakeTimeInMinutes != nil {
		dst.BakeTimeInMinutes = in.BakeTimeInMinutes
	}
	if in.CanaryConfiguration != nil {
		c := *in.CanaryConfiguration
		dst.CanaryConfiguration = &c
	}
	if in.LinearConfiguration != nil {
		c := *in.LinearConfiguration
		dst.LinearConfiguration = &c
	}
	if in.LifecycleHooks != nil {
		dst.LifecycleHooks = append([]types.DeploymentLifecycleHook(nil), in.LifecycleHooks...)
	}
	if in.EarlySuccessCriteria != nil {
		e := *in.EarlySuccessCriteria
		dst.EarlySuccessCriteria = &e
	}
}

func validateConfig(cfg types.DeploymentConfiguration) error {
	for _, h := range cfg.LifecycleHooks {
		if len(h.LifecycleStages) == 0 {
			return invalidParam("lifecycleStages must be specified for each lifecycle hook.")
		}
		if h.TargetType == types.DeploymentLifecycleHookTargetTypePause {
			for _, st := range h.LifecycleStages {
				if st == types.DeploymentLifecycleHookStageTestTrafficShift || st == types.DeploymentLifecycleHookStageProductionTrafficShift {
					return invalidParam("PAUSE hooks cannot be configured at the %s stage.", st)
				}
			}
		} else if h.HookTargetArn == nil {
			return invalidParam("hookTargetArn must be specified for AWS_LAMBDA lifecycle hooks.")
		}
	}
	return nil
}

// CreateService creates a service and starts its first deployment.
func (s *Sim) CreateService(ctx context.Context, in *ecs.CreateServiceInput, optFns ...func(*ecs.Options)) (*ecs.CreateServiceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("CreateService"); err != nil {
		return nil, err
	}
	c, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	name := deref(in.ServiceName)
	if name == "" {
		return nil, invalidParam("serviceName must be specified.")
	}
	if old := c.services[name]; old != nil && old.status == "ACTIVE" {
		return nil, invalidParam("Creation of service was not idempotent.")
	}
	// DeleteService (API reference): "If you attempt to create a new
	// service with the same name as an existing service in either ACTIVE or
	// DRAINING status, you receive an error."
	if old := c.services[name]; old != nil && old.status == "DRAINING" {
		return nil, invalidParam("Unable to create service %s: a service of that name is still DRAINING.", name)
	}
	td := s.lookupTaskDef(deref(in.TaskDefinition))
	if td == nil {
		return nil, clientErr("TaskDefinition not found.")
	}
	if td.def.Status != types.TaskDefinitionStatusActive {
		return nil, clientErr("TaskDefinition is inactive")
	}
	cfg := defaultDeploymentConfig()
	mergeConfig(&cfg, in.DeploymentConfiguration)
	if err := validateConfig(cfg); err != nil {
		return nil, err
	}
	if err := validateStrategy(cfg, in.LoadBalancers, in.ServiceConnectConfiguration); err != nil {
		return nil, err
	}
	now := s.last
	svc := &service{
		c: c, name: name, arn: s.arn(fmt.Sprintf("service/%s/%s", c.name, name)),
		desired: deref(in.DesiredCount), cfg: cfg, controller: types.DeploymentControllerTypeEcs,
		lbs: in.LoadBalancers, net: in.NetworkConfiguration, launchType: in.LaunchType,
		platform: deref(in.PlatformVersion), grace: in.HealthCheckGracePeriodSeconds,
		tags: append([]types.Tag(nil), in.Tags...), created: now, status: "ACTIVE",
		serviceConnect: in.ServiceConnectConfiguration,
	}
	if in.DeploymentController != nil && in.DeploymentController.Type != "" {
		svc.controller = in.DeploymentController.Type
	}
	if svc.launchType == "" && len(in.CapacityProviderStrategy) == 0 {
		svc.launchType = types.LaunchTypeFargate
	}
	if svc.platform == "" && svc.launchType == types.LaunchTypeFargate {
		svc.platform = "LATEST"
	}
	c.services[name] = svc
	c.order = append(c.order, name)
	s.startRollout(svc, td, now)
	s.schedule(svc, now)
	s.afterCreate(svc)
	out := s.serviceOut(svc, false)
	return &ecs.CreateServiceOutput{Service: &out}, nil
}

// startRollout creates a new primary deployment and its service deployment.
func (s *Sim) startRollout(svc *service, td *taskDef, now time.Time) *rollout {
	if prev := svc.current; prev != nil && prev.active() {
		prev.status = types.ServiceDeploymentStatusStopped
		prev.reason = "Service deployment stopped: a newer service deployment started."
		prev.stoppedT = ptr(now)
		prev.finished = ptr(now)
		prev.updated = now
		prev.target.launch = svc.stable == prev.target
	}
	d := s.newDep(svc, td, now)
	d.reason = fmt.Sprintf("ECS deployment %s in progress.", d.id)
	s.recordRevision(svc, d)
	r := &rollout{
		svc: svc, target: d, blue: svc.stable,
		status: types.ServiceDeploymentStatusInProgress,
		cfg:    svc.cfg, strategy: svc.cfg.Strategy,
		created: now, updated: now, started: ptr(now),
		cbStatus: types.ServiceDeploymentRollbackMonitorsStatusDisabled, alarmStatus: types.ServiceDeploymentRollbackMonitorsStatusDisabled,
	}
	if r.strategy == "" {
		r.strategy = types.DeploymentStrategyRolling
	}
	r.arn = s.arn(fmt.Sprintf("service-deployment/%s/%s/%s", svc.c.name, svc.name, s.nextID("svcdep", 22)))
	r.sources = append([]*dep(nil), svc.deps...)
	r.initial = len(svc.rollouts) == 0
	if r.cbEnabled() {
		r.cbStatus = types.ServiceDeploymentRollbackMonitorsStatusMonitoring
	}
	r.cbThreshold = circuitBreakerThreshold(r.cfg.DeploymentCircuitBreaker, svc.desired)
	if r.alarmsEnabled() {
		r.alarmStatus = types.ServiceDeploymentRollbackMonitorsStatusMonitoring
	}
	if r.blue != nil && !s.depAlive(svc, r.blue) {
		r.blue = nil
	}
	if r.native() {
		r.steps = trafficSteps(r.cfg)
		r.phase = phasePreScaleUp
		r.stage = types.ServiceDeploymentLifecycleStagePreScaleUp
		if r.blue == nil {
			d.prod = 0
		}
	} else {
		r.stage = types.ServiceDeploymentLifecycleStageScaleUp
		d.prod = 100
	}
	d.ro = r
	s.makePrimary(svc, d, now)
	svc.rollouts = append(svc.rollouts, r)
	svc.current = r
	svc.steady = false
	return r
}

// UpdateService changes a service. A new task definition, a changed
// deployment configuration or network configuration, or ForceNewDeployment
// starts a new deployment; a desired count change alone does not.
func (s *Sim) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, optFns ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("UpdateService"); err != nil {
		return nil, err
	}
	c, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	svc, err := s.service(c, in.Service)
	if err != nil {
		return nil, err
	}
	now := s.last
	td, err := s.updatedTaskDef(svc, in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	newDeploy := in.ForceNewDeployment || td != svc.primary().td
	cfg := svc.cfg
	mergeConfig(&cfg, in.DeploymentConfiguration)
	if err := validateConfig(cfg); err != nil {
		return nil, err
	}
	lbs, sc := svc.lbs, svc.serviceConnect
	if in.LoadBalancers != nil {
		lbs = in.LoadBalancers
	}
	if in.ServiceConnectConfiguration != nil {
		sc = in.ServiceConnectConfiguration
	}
	if err := validateStrategy(cfg, lbs, sc); err != nil {
		return nil, err
	}
	s.beforeWrite(svc)
	if applyUpdate(svc, in) {
		newDeploy = true
	}
	svc.cfg = cfg
	if in.DesiredCount != nil && *in.DesiredCount != svc.desired {
		svc.desired = *in.DesiredCount
		svc.steady = false
	}
	if newDeploy {
		s.startRollout(svc, td, now)
	}
	s.schedule(svc, now)
	out := s.serviceOut(svc, false)
	return &ecs.UpdateServiceOutput{Service: &out}, nil
}

// updatedTaskDef is the task definition an UpdateService leaves the
// service on: the one named, which must exist and be ACTIVE and which only
// the ECS deployment controller accepts, or the primary deployment's.
func (s *Sim) updatedTaskDef(svc *service, name *string) (*taskDef, error) {
	if name == nil {
		return svc.primary().td, nil
	}
	if svc.controller != types.DeploymentControllerTypeEcs {
		return nil, invalidParam("Unable to update task definition on services with a %s deployment controller.", svc.controller)
	}
	t := s.lookupTaskDef(*name)
	if t == nil {
		return nil, clientErr("TaskDefinition not found.")
	}
	if t.def.Status != types.TaskDefinitionStatusActive {
		return nil, clientErr("TaskDefinition is inactive")
	}
	return t, nil
}

// applyUpdate writes the fields an UpdateService sets to the service and
// reports whether any of them starts a new deployment (all but the health
// check grace period do).
func applyUpdate(svc *service, in *ecs.UpdateServiceInput) bool {
	newDeploy := false
	if in.ServiceConnectConfiguration != nil {
		svc.serviceConnect = in.ServiceConnectConfiguration
		newDeploy = true
	}
	if in.DeploymentConfiguration != nil {
		newDeploy = true
	}
	if in.NetworkConfiguration != nil {
		svc.net = in.NetworkConfiguration
		newDeploy = true
	}
	if in.LoadBalancers != nil {
		svc.lbs = in.LoadBalancers
		newDeploy = true
	}
	if in.HealthCheckGracePeriodSeconds != nil {
		svc.grace = in.HealthCheckGracePeriodSeconds
	}
	if in.PlatformVersion != nil {
		svc.platform = *in.PlatformVersion
		newDeploy = true
	}
	return newDeploy
}

// DeleteService deletes a service (Force is implied: tasks are stopped).
func (s *Sim) DeleteService(ctx context.Context, in *ecs.DeleteServiceInput, optFns ...func(*ecs.Options)) (*ecs.DeleteServiceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("DeleteService"); err != nil {
		return nil, err
	}
	c, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	svc, err := s.service(c, in.Service)
	if err != nil {
		return nil, err
	}
	svc.status = "DRAINING"
	svc.desired = 0
	// "Amazon ECS deletes the service revision when you delete a service"
	// (developer guide, service revisions)
	svc.revisions = nil
	s.schedule(svc, s.last)
	out := s.serviceOut(svc, false)
	return &ecs.DeleteServiceOutput{Service: &out}, nil
}

// ListServices lists the ARNs of a cluster's services.
func (s *Sim) ListServices(ctx context.Context, in *ecs.ListServicesInput, optFns ...func(*ecs.Options)) (*ecs.ListServicesOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ListServices"); err != nil {
		return nil, err
	}
	c, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, n := range c.order {
		if svc := c.services[n]; svc != nil && svc.status == "ACTIVE" {
			if v := s.staleFor(svc); v != nil && !v.exists {
				continue // created, not visible yet
			}
			arns = append(arns, svc.arn)
		}
	}
	page, next, err := paginate(arns, in.NextToken, in.MaxResults, 10)
	if err != nil {
		return nil, err
	}
	return &ecs.ListServicesOutput{ServiceArns: page, NextToken: next}, nil
}

// DescribeServices describes up to 10 services.
func (s *Sim) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("DescribeServices"); err != nil {
		return nil, err
	}
	c, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	if len(in.Services) == 0 || len(in.Services) > 10 {
		return nil, invalidParam("services must contain between 1 and 10 items.")
	}
	tags := false
	for _, f := range in.Include {
		tags = tags || f == types.ServiceFieldTags
	}
	out := &ecs.DescribeServicesOutput{}
	for _, ref := range in.Services {
		var view types.Service
		svc := c.services[resolveName(ref)]
		visible := svc != nil
		if visible {
			view, visible = s.visibleService(svc, tags)
		}
		if !visible {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = s.arn(fmt.Sprintf("service/%s/%s", c.name, ref))
			}
			out.Failures = append(out.Failures, types.Failure{Arn: ptr(arn), Reason: ptr("MISSING")})
			continue
		}
		out.Services = append(out.Services, view)
	}
	return out, nil
}

func (s *Sim) serviceOut(svc *service, tags bool) types.Service {
	var running, pending int32
	deps := make([]types.Deployment, 0, len(svc.deps))
	var revs []types.ServiceCurrentRevisionSummary
	for _, d := range svc.deps {
		_, _, run, pend := svc.live(d)
		running += run
		pending += pend
		// an ACTIVE deployment's desired count shrinks as it is scaled down
		desired, _, _, _ := svc.live(d)
		if d == svc.primary() {
			desired = svc.desired
		}
		out := types.Deployment{
			Id: ptr(d.id), Status: ptr(d.status), TaskDefinition: ptr(d.td.arn),
			DesiredCount: desired, RunningCount: run, PendingCount: pend, FailedTasks: d.failed,
			CreatedAt: ptr(d.created), UpdatedAt: ptr(d.updated), LaunchType: svc.launchType,
			PlatformVersion: nonEmpty(platformOf(svc)), NetworkConfiguration: svc.net,
		}
		if hasRolloutState(svc) {
			out.RolloutState, out.RolloutStateReason = d.state, ptr(d.reason)
		}
		deps = append(deps, out)
		revs = append(revs, types.ServiceCurrentRevisionSummary{Arn: ptr(d.revArn), RequestedTaskCount: desired, RunningTaskCount: run, PendingTaskCount: pend})
	}
	cfg := svc.cfg
	out := types.Service{
		ServiceArn: ptr(svc.arn), ServiceName: ptr(svc.name), ClusterArn: ptr(svc.c.arn),
		Status: ptr(svc.status), DesiredCount: svc.desired, RunningCount: running, PendingCount: pending,
		LaunchType: svc.launchType, PlatformVersion: nonEmpty(svc.platform),
		DeploymentConfiguration: &cfg, DeploymentController: &types.DeploymentController{Type: svc.controller},
		Deployments: deps, Events: append([]types.ServiceEvent(nil), svc.events...),
		CreatedAt: ptr(svc.created), CreatedBy: ptr(fmt.Sprintf("arn:aws:iam::%s:root", s.account)),
		LoadBalancers: svc.lbs, NetworkConfiguration: svc.net, HealthCheckGracePeriodSeconds: svc.grace,
		SchedulingStrategy: types.SchedulingStrategyReplica, CurrentServiceRevisions: revs,
	}
	if p := svc.primary(); p != nil {
		out.TaskDefinition = ptr(p.td.arn)
	}
	if svc.current != nil {
		out.CurrentServiceDeployment = ptr(svc.current.arn)
	}
	if tags {
		out.Tags = append([]types.Tag(nil), svc.tags...)
	}
	return out
}

// hasRolloutState reports whether DescribeServices returns rolloutState for
// svc's deployments: only for services that use the rolling update (ECS)
// deployment type and are not behind a Classic Load Balancer (SDK doc
// comment of types.Deployment.RolloutState). A service whose strategy is
// BLUE_GREEN, CANARY or LINEAR is not a rolling update: its progress is in
// DescribeServiceDeployments.
func hasRolloutState(svc *service) bool {
	if svc.controller != types.DeploymentControllerTypeEcs {
		return false
	}
	for _, lb := range svc.lbs {
		if lb.LoadBalancerName != nil {
			return false
		}
	}
	switch svc.cfg.Strategy {
	case types.DeploymentStrategyBlueGreen, types.DeploymentStrategyCanary, types.DeploymentStrategyLinear:
		return false
	}
	return true
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
