package drift

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// ECSAPI is the part of the ECS API drift-check reads.
type ECSAPI interface {
	DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, optFns ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	ListServices(ctx context.Context, in *ecs.ListServicesInput, optFns ...func(*ecs.Options)) (*ecs.ListServicesOutput, error)
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// clusterHandler reads ECS clusters.
var clusterHandler = handler{
	types: []typeSpec{
		{"aws_ecs_cluster", spec{
			sets: map[string][]string{"setting": {"name", "value"}},
			maps: map[string]bool{"tags": true},
		}},
	},
	need: func(c Clients) bool { return c.ECS != nil },
	run:  scanClusters,
}

// serviceHandler reads ECS services.
var serviceHandler = handler{
	types: []typeSpec{
		{"aws_ecs_service", spec{
			sets: map[string][]string{
				"load_balancer":      {"target_group_arn", "container_name", "container_port"},
				"service_registries": {"registry_arn"},
			},
			maps:  map[string]bool{"tags": true},
			canon: map[string]func(string) string{"task_definition": taskDefRef},
		}},
	},
	need: func(c Clients) bool { return c.ECS != nil },
	run:  scanServices,
}

// taskDefinitionHandler reads ECS task definitions.
var taskDefinitionHandler = handler{
	types: []typeSpec{
		{"aws_ecs_task_definition", spec{
			maps: map[string]bool{"tags": true, "container_definitions": true},
		}},
	},
	need: func(c Clients) bool { return c.ECS != nil },
	run:  scanTaskDefinitions,
}

// lastSegment returns what follows the last '/' of an ARN, or s itself.
func lastSegment(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// taskDefRef reduces a task definition ARN to family:revision.
func taskDefRef(s string) string {
	if i := strings.Index(s, "task-definition/"); i >= 0 {
		return s[i+len("task-definition/"):]
	}
	return s
}

func tagsECS(tags []ecstypes.Tag) map[string]any {
	out := map[string]any{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func scanClusters(ctx context.Context, s *Scanner, items map[string][]*item) error {
	list := items["aws_ecs_cluster"]
	byName := map[string]*item{}
	var names []string
	for _, it := range list {
		n := it.obj.String("name")
		if n == "" {
			n = lastSegment(it.obj.ID())
		}
		byName[n] = it
		names = append(names, n)
	}
	for _, batch := range chunk(names, 100) {
		out, err := call(ctx, s, func() (*ecs.DescribeClustersOutput, error) {
			return s.c.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: batch,
				Include: []ecstypes.ClusterField{ecstypes.ClusterFieldTags, ecstypes.ClusterFieldSettings}})
		})
		if err != nil {
			return err
		}
		for _, c := range out.Clusters {
			it := byName[aws.ToString(c.ClusterName)]
			if it == nil || aws.ToString(c.Status) == "INACTIVE" {
				continue
			}
			it.found = true
			it.arn = aws.ToString(c.ClusterArn)
			var settings []any
			for _, st := range c.Settings {
				settings = append(settings, map[string]any{"name": string(st.Name), "value": aws.ToString(st.Value)})
			}
			it.live = map[string]any{"name": aws.ToString(c.ClusterName), "setting": settings, "tags": tagsECS(c.Tags)}
		}
	}
	// Unmanaged services: any service in a managed cluster no state knows.
	known := map[string]bool{}
	for _, o := range s.stateOf("aws_ecs_service") {
		known[lastSegment(o.String("cluster"))+"/"+o.String("name")] = true
	}
	var found []*item
	for _, it := range list {
		if it.found {
			found = append(found, it)
		}
	}
	return each(ctx, found, func(it *item) error {
		cluster := it.live["name"].(string)
		var token *string
		for {
			out, err := call(ctx, s, func() (*ecs.ListServicesOutput, error) {
				return s.c.ECS.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String(cluster), NextToken: token, MaxResults: aws.Int32(100)})
			})
			if err != nil {
				if s.partial("aws_ecs_cluster", "unmanaged services", err) {
					return nil
				}
				return err
			}
			for _, arn := range out.ServiceArns {
				name := lastSegment(arn)
				if !known[cluster+"/"+name] {
					s.addUnmanaged(Finding{Type: "aws_ecs_service", ID: name, Parent: it.obj.Address,
						Note: fmt.Sprintf("service %s runs in cluster %s but no state knows it", name, cluster)})
				}
			}
			token = out.NextToken
			if token == nil || *token == "" {
				return nil
			}
		}
	})
}

func scanServices(ctx context.Context, s *Scanner, items map[string][]*item) error {
	list := items["aws_ecs_service"]
	byCluster := map[string][]*item{}
	for _, it := range list {
		c := lastSegment(it.obj.String("cluster"))
		byCluster[c] = append(byCluster[c], it)
	}
	type job struct {
		cluster string
		items   []*item
	}
	var jobs []job
	for _, c := range sortedKeys(byCluster) {
		for _, b := range chunk(byCluster[c], 10) { // DescribeServices takes 10 per call
			jobs = append(jobs, job{c, b})
		}
	}
	err := each(ctx, jobs, func(j job) error {
		byName := map[string]*item{}
		var names []string
		for _, it := range j.items {
			n := it.obj.String("name")
			byName[n] = it
			names = append(names, n)
		}
		out, err := call(ctx, s, func() (*ecs.DescribeServicesOutput, error) {
			return s.c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(j.cluster), Services: names,
				Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
		})
		if err != nil {
			if isCode(err, "ClusterNotFoundException") {
				return nil // every service of a missing cluster is missing
			}
			return err
		}
		for _, svc := range out.Services {
			it := byName[aws.ToString(svc.ServiceName)]
			if it == nil || aws.ToString(svc.Status) == "INACTIVE" {
				continue
			}
			it.found = true
			it.arn = aws.ToString(svc.ServiceArn)
			it.live = liveService(svc)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.expectedServiceDrift(ctx, list)
	if err := s.ledgerCheck(ctx, list); err != nil {
		return err
	}
	return s.desiredCheck(ctx, list)
}

func liveService(svc ecstypes.Service) map[string]any {
	live := map[string]any{
		"name":                   aws.ToString(svc.ServiceName),
		"desired_count":          int(svc.DesiredCount),
		"task_definition":        aws.ToString(svc.TaskDefinition),
		"launch_type":            string(svc.LaunchType),
		"tags":                   tagsECS(svc.Tags),
		"enable_execute_command": svc.EnableExecuteCommand,
		"propagate_tags":         string(svc.PropagateTags),
	}
	if svc.HealthCheckGracePeriodSeconds != nil {
		live["health_check_grace_period_seconds"] = int(*svc.HealthCheckGracePeriodSeconds)
	}
	if dc := svc.DeploymentConfiguration; dc != nil {
		if dc.MaximumPercent != nil {
			live["deployment_maximum_percent"] = int(*dc.MaximumPercent)
		}
		if dc.MinimumHealthyPercent != nil {
			live["deployment_minimum_healthy_percent"] = int(*dc.MinimumHealthyPercent)
		}
		if cb := dc.DeploymentCircuitBreaker; cb != nil {
			live["deployment_circuit_breaker"] = []any{map[string]any{"enable": cb.Enable, "rollback": cb.Rollback}}
		}
	}
	if nc := svc.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		a := nc.AwsvpcConfiguration
		live["network_configuration"] = []any{map[string]any{
			"subnets":          toAny(a.Subnets),
			"security_groups":  toAny(a.SecurityGroups),
			"assign_public_ip": a.AssignPublicIp == ecstypes.AssignPublicIpEnabled,
		}}
	}
	var lbs []any
	for _, lb := range svc.LoadBalancers {
		lbs = append(lbs, map[string]any{"target_group_arn": aws.ToString(lb.TargetGroupArn),
			"container_name": aws.ToString(lb.ContainerName), "container_port": int(aws.ToInt32(lb.ContainerPort))})
	}
	live["load_balancer"] = lbs
	var regs []any
	for _, r := range svc.ServiceRegistries {
		regs = append(regs, map[string]any{"registry_arn": aws.ToString(r.RegistryArn)})
	}
	live["service_registries"] = regs
	return live
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// stateOf returns the state objects of a type (any scan handler may look at
// the whole state, e.g. services at autoscaling targets).
func (s *Scanner) stateOf(typ string) []tfstate.Object {
	var out []tfstate.Object
	for _, o := range s.state {
		if canonicalType(o.Type) == typ {
			out = append(out, o)
		}
	}
	return out
}

// expectedServiceDrift skips desired_count when an autoscaling target in
// the state owns it and the live count is within what the configuration
// lets Application Auto Scaling set: the target's bounds, a scheduled
// action's, a maximum a predictive policy may raise (capacities).
func (s *Scanner) expectedServiceDrift(_ context.Context, list []*item) {
	caps := s.capacities()
	for _, it := range list {
		if !it.found {
			continue
		}
		c, ok := caps["service/"+lastSegment(it.obj.String("cluster"))+"/"+it.obj.String("name")]
		if !ok {
			continue
		}
		n, _ := it.live["desired_count"].(int)
		if c.within(n) {
			it.skip("desired_count")
		}
	}
}

// ledgerCheck judges the live task definition of each service against the
// last successful deployment deploy-ecs recorded. A match is expected (CI
// owns the revision), whatever the state says; a mismatch is drift that is
// safe to fix by redeploying the recorded revision.
func (s *Scanner) ledgerCheck(ctx context.Context, list []*item) error {
	if s.o.Ledger == nil {
		return nil
	}
	good, err := s.lastGood(ctx)
	if err != nil {
		return err
	}
	for _, it := range list {
		if !it.found {
			continue
		}
		k := serviceKey(it.obj)
		lg, ok := good[k]
		if !ok {
			continue
		}
		it.skip("task_definition")
		live := taskDefRef(it.live["task_definition"].(string))
		if live == taskDefRef(lg) {
			continue
		}
		it.extra = append(it.extra, Change{Attribute: "task_definition", Before: taskDefRef(lg), After: live, Class: Safe})
		it.authoritative = map[string]bool{"task_definition": true}
		it.note = fmt.Sprintf("runs %s, not %s, the last successful deployment recorded by deploy-ecs", live, taskDefRef(lg))
		it.remediation = &Remediation{Action: "redeploy", ARN: it.arn, Cluster: k.Cluster, Service: k.Service, TaskDefinition: lg}
	}
	return nil
}

func serviceKey(o tfstate.Object) ServiceKey {
	return ServiceKey{Cluster: lastSegment(o.String("cluster")), Service: o.String("name"), ClusterRef: o.String("cluster")}
}

// lastGood asks the ledger once per scan about every service of the state.
func (s *Scanner) lastGood(ctx context.Context) (map[ServiceKey]string, error) {
	return memoize(s, "ledger", func() (map[ServiceKey]string, error) {
		var keys []ServiceKey
		for _, o := range s.stateOf("aws_ecs_service") {
			keys = append(keys, serviceKey(o))
		}
		if len(keys) == 0 {
			return map[ServiceKey]string{}, nil
		}
		good, err := s.o.Ledger.LastGood(ctx, keys)
		if err != nil {
			return nil, fmt.Errorf("failed to read the deployment ledger: %w", err)
		}
		return good, nil
	})
}

// ledgerFamily reports whether CI owns the revisions of a task-definition
// family: the ledger's last good deployment of some service is of it.
func (s *Scanner) ledgerFamily(ctx context.Context, family string) (bool, error) {
	if s.o.Ledger == nil {
		return false, nil
	}
	good, err := s.lastGood(ctx)
	if err != nil {
		return false, err
	}
	for _, td := range good {
		if fam, _, _ := strings.Cut(taskDefRef(td), ":"); fam == family {
			return true, nil
		}
	}
	return false, nil
}

// desiredCheck compares the container definitions of the revision each
// service runs with the task-definition files of the same family.
func (s *Scanner) desiredCheck(ctx context.Context, list []*item) error {
	if len(s.o.Desired) == 0 {
		return nil
	}
	byFamily := map[string]DesiredTaskDefinition{}
	for _, d := range s.o.Desired {
		byFamily[d.Family] = d
	}
	var todo []*item
	for _, it := range list {
		if !it.found {
			continue
		}
		fam, _, _ := strings.Cut(taskDefRef(it.live["task_definition"].(string)), ":")
		if _, ok := byFamily[fam]; ok {
			todo = append(todo, it)
		}
	}
	return each(ctx, todo, func(it *item) error {
		ref := it.live["task_definition"].(string)
		td, err := s.describeTaskDef(ctx, ref)
		if err != nil || td == nil {
			return err
		}
		d := byFamily[aws.ToString(td.Family)]
		want := containerMap(d.Document["containerDefinitions"])
		live := containerMap(liveContainers(td.ContainerDefinitions))
		changes := compare(spec{maps: map[string]bool{"container_definitions": true}},
			map[string]any{"container_definitions": want}, map[string]any{"container_definitions": live})
		ciImages, err := s.runsLedgerRevision(ctx, it)
		if err != nil {
			return err
		}
		for _, c := range changes {
			if ciImages && strings.HasSuffix(c.Attribute, ".image") {
				// deploy-ecs set this image and recorded the revision.
				s.countIgnored(1)
				continue
			}
			c.Attribute = "task_definition(" + d.Source + ")." + strings.TrimPrefix(c.Attribute, "container_definitions.")
			c.Class = Review
			it.extra = append(it.extra, c)
		}
		return nil
	})
}

// runsLedgerRevision reports whether a service runs the revision of its
// last successful deployment in the ledger: its images are then the ones
// CI deployed, expected whatever the task-definition files say.
func (s *Scanner) runsLedgerRevision(ctx context.Context, it *item) (bool, error) {
	if s.o.Ledger == nil {
		return false, nil
	}
	good, err := s.lastGood(ctx)
	if err != nil {
		return false, err
	}
	lg, ok := good[serviceKey(it.obj)]
	return ok && taskDefRef(lg) == taskDefRef(it.live["task_definition"].(string)), nil
}

func (s *Scanner) describeTaskDef(ctx context.Context, ref string) (*ecstypes.TaskDefinition, error) {
	type res struct {
		td   *ecstypes.TaskDefinition
		tags []ecstypes.Tag
	}
	r, err := memoize(s, "td:"+taskDefRef(ref), func() (res, error) {
		out, err := call(ctx, s, func() (*ecs.DescribeTaskDefinitionOutput, error) {
			return s.c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref),
				Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
		})
		if err != nil {
			if isCode(err, "ClientException", "InvalidParameterException") {
				return res{}, nil
			}
			return res{}, err
		}
		return res{out.TaskDefinition, out.Tags}, nil
	})
	return r.td, err
}

func scanTaskDefinitions(ctx context.Context, s *Scanner, items map[string][]*item) error {
	list := items["aws_ecs_task_definition"]
	// Families whose revisions CI owns: the ledger's last good revisions.
	return each(ctx, list, func(it *item) error {
		ref := it.obj.String("arn")
		if ref == "" {
			ref = it.obj.String("family") + ":" + it.obj.String("revision")
		}
		var tags []ecstypes.Tag
		out, err := call(ctx, s, func() (*ecs.DescribeTaskDefinitionOutput, error) {
			return s.c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref),
				Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
		})
		var td *ecstypes.TaskDefinition
		switch {
		case err == nil:
			td, tags = out.TaskDefinition, out.Tags
		case !isCode(err, "ClientException", "InvalidParameterException"):
			return err
		}
		if td == nil || td.Status == ecstypes.TaskDefinitionStatusInactive || td.Status == ecstypes.TaskDefinitionStatusDeleteInProgress {
			fam := it.obj.String("family")
			owned, err := s.ledgerFamily(ctx, fam)
			if err != nil {
				return err
			}
			if owned {
				// CI deploys and retires this family's revisions; the
				// ledger knows the one that counts.
				it.found, it.live = true, map[string]any{}
				s.countIgnored(1)
				return nil
			}
			it.note = "revision " + taskDefRef(ref) + " is deregistered"
			return nil
		}
		it.found = true
		it.arn = aws.ToString(td.TaskDefinitionArn)
		want := map[string]any{}
		for k, v := range it.obj.Attributes {
			want[k] = v
		}
		want["container_definitions"] = containerMap(it.obj.Attributes["container_definitions"])
		it.want = want
		live := map[string]any{
			"container_definitions":    containerMap(liveContainers(td.ContainerDefinitions)),
			"cpu":                      aws.ToString(td.Cpu),
			"memory":                   aws.ToString(td.Memory),
			"network_mode":             string(td.NetworkMode),
			"execution_role_arn":       aws.ToString(td.ExecutionRoleArn),
			"task_role_arn":            aws.ToString(td.TaskRoleArn),
			"requires_compatibilities": compatStrings(td.RequiresCompatibilities),
			"tags":                     tagsECS(tags),
		}
		if rp := td.RuntimePlatform; rp != nil {
			live["runtime_platform"] = []any{map[string]any{"cpu_architecture": string(rp.CpuArchitecture), "operating_system_family": string(rp.OperatingSystemFamily)}}
		}
		it.live = live
		return nil
	})
}

func compatStrings(c []ecstypes.Compatibility) []any {
	out := make([]any, len(c))
	for i, x := range c {
		out[i] = string(x)
	}
	return out
}

// liveContainers renders SDK container definitions in the API's JSON
// spelling (lowerCamel keys), as task-definition files and the state have them.
func liveContainers(defs []ecstypes.ContainerDefinition) any {
	b, _ := json.Marshal(defs)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	_ = dec.Decode(&v)
	return lowerKeys(v)
}

func lowerKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r := []rune(k)
			if len(r) > 0 {
				r[0] = unicode.ToLower(r[0])
			}
			out[string(r)] = lowerKeys(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = lowerKeys(e)
		}
	}
	return v
}

// containerMap turns container definitions (a JSON string or a decoded
// list) into a map by container name with empty values dropped and lists
// of objects in a stable order, so order and spelled-out defaults do not
// count as drift.
func containerMap(v any) map[string]any {
	if s, ok := v.(string); ok {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return map[string]any{"(unparsable)": s}
		}
		v = x
	}
	list, _ := v.([]any)
	out := map[string]any{}
	for _, e := range list {
		m, ok := stripEmpty(e).(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		if env, ok := m["environment"].([]any); ok {
			m["environment"] = fingerprintEnv(env)
		}
		sortObjectLists(m)
		out[name] = m
	}
	return out
}

// fingerprintEnv turns a container's environment list into name ->
// fingerprint of the value. Reports show which variable changed, never its
// value: plain environment variables too often hold credentials, and the
// report goes to a job summary and an issue.
func fingerprintEnv(env []any) map[string]any {
	out := map[string]any{}
	for _, e := range env {
		kv, ok := e.(map[string]any)
		if !ok {
			continue
		}
		name, _ := kv["name"].(string)
		value, _ := kv["value"].(string)
		sum := sha256.Sum256([]byte(value))
		out[name] = "sha256:" + hex.EncodeToString(sum[:])[:12]
	}
	return out
}

func sortObjectLists(v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			sortObjectLists(e)
		}
	case []any:
		for _, e := range x {
			sortObjectLists(e)
		}
		sort.SliceStable(x, func(i, j int) bool {
			a, _ := json.Marshal(x[i])
			b, _ := json.Marshal(x[j])
			return string(a) < string(b)
		})
	}
}
