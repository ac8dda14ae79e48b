package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/s3client"
	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// SeedStack creates a team's own Terraform stack in the sandbox: it reads
// the stack with ReadStack and creates its ECR repositories, log groups,
// ECS clusters, target groups, load balancers, task definitions (the first
// revision Terraform registers), CloudWatch alarms and ECS services (with
// their load balancers, circuit breaker and deployment alarms), the state
// bucket and lock table its backend names, and writes the Terraform state
// of what it created to the backend's bucket and key. One sandbox VPC with
// public and private subnets and one security group stands in for the
// stack's network, one execution role for its roles (StackPlan.StoodIn);
// resources of other types are listed in StackPlan.Unsupported, never
// created. The returned Stack's Plan holds both lists.
func (s *Sandbox) SeedStack(ctx context.Context, o StackOptions) (*Stack, error) {
	p, err := ReadStack(o)
	if err != nil {
		return nil, err
	}
	p.Region = o.Region
	if p.Region == "" {
		p.Region = s.Region
	}
	cfg := s.AWSConfig(ctx)
	cfg.Region = p.Region
	c := seedClients{
		ec2: ec2.NewFromConfig(cfg), elb: elbv2.NewFromConfig(cfg), ecs: ecs.NewFromConfig(cfg),
		ecr: ecr.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg),
		cw:  cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(s.Getenv)...),
		s3:  s3.NewFromConfig(cfg, s3client.Options(s.Getenv)...),
		ddb: dynamodb.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg),
		getenv: s.Getenv, simulated: s.ecs != nil,
	}
	name := filepath.Base(filepath.Clean(o.Dir))
	if cl := p.OfType("aws_ecs_cluster"); len(cl) > 0 {
		if n, ok := p.str(cl[0], nil, "name"); ok {
			name = n
		}
	}
	st := &Stack{
		Project: name, Environment: "sandbox", Region: p.Region, Cluster: name,
		SecurityGroups: map[string]string{}, TargetGroups: map[string]string{},
		StateBucket: p.StateBucket, StateKey: p.StateKey, LockTable: p.LockTable, LedgerTable: o.LedgerTable,
		taskDefs: map[string]*ecstypes.TaskDefinition{}, taskDefTags: map[string][]ecstypes.Tag{},
		Plan: p,
	}
	if err := p.learnNames(); err != nil {
		return nil, err
	}
	if err := seedState(ctx, c, st, SeedOptions{}); err != nil {
		return nil, fmt.Errorf("failed to seed the state bucket of %s in %s: %w", o.Dir, p.Region, err)
	}
	if err := seedStackBase(ctx, c, st); err != nil {
		return nil, fmt.Errorf("failed to seed the sandbox network of %s in %s: %w", o.Dir, p.Region, err)
	}
	sd := &stackSeeder{c: c, st: st, p: p}
	for _, r := range p.Resources {
		if err := sd.create(ctx, r); err != nil {
			return nil, fmt.Errorf("failed to seed %s of %s in %s: %w", r.Address, o.Dir, p.Region, err)
		}
	}
	if sim := s.ECS(p.Region); sim != nil {
		sim.Advance(5 * time.Minute) // let the first deployments finish, as after an apply
	}
	if err := sd.writeState(ctx); err != nil {
		return nil, err
	}
	return st, nil
}

// learnNames records the names (and the ARNs that follow from them) of
// every planned resource before anything is created, so a resource can
// refer to one created after it (an alarm's dimension names its service).
func (p *StackPlan) learnNames() error {
	nameAttr := map[string]string{
		"aws_ecr_repository": "name", "aws_cloudwatch_log_group": "name", "aws_ecs_cluster": "name",
		"aws_lb_target_group": "name", "aws_lb": "name", "aws_ecs_task_definition": "family",
		"aws_cloudwatch_metric_alarm": "alarm_name", "aws_ecs_service": "name",
	}
	acct, region := AccountID, p.Region
	for _, r := range p.Resources {
		attr := nameAttr[r.Type]
		n, ok := p.str(r, nil, attr)
		if !ok || n == "" {
			return fmt.Errorf("stack %s: %s has no %s known before apply; set it from variables or locals", p.Dir, r.Address, attr)
		}
		p.learn(r, attr, n)
		switch r.Type {
		case "aws_ecr_repository":
			p.learn(r, "id", n)
			p.learn(r, "arn", "arn:aws:ecr:"+region+":"+acct+":repository/"+n)
			p.learn(r, "repository_url", acct+".dkr.ecr."+region+".amazonaws.com/"+n)
		case "aws_cloudwatch_log_group":
			p.learn(r, "id", n)
			p.learn(r, "arn", "arn:aws:logs:"+region+":"+acct+":log-group:"+n)
		case "aws_ecs_cluster":
			arn := "arn:aws:ecs:" + region + ":" + acct + ":cluster/" + n
			p.learn(r, "id", arn)
			p.learn(r, "arn", arn)
		case "aws_cloudwatch_metric_alarm":
			p.learn(r, "id", n)
			p.learn(r, "arn", "arn:aws:cloudwatch:"+region+":"+acct+":alarm:"+n)
		}
	}
	return nil
}

// seedStackBase creates what stands in for the stack's network and roles:
// a VPC with two public and two private subnets, one security group, and
// an execution role for the task definitions.
func seedStackBase(ctx context.Context, c seedClients, st *Stack) error {
	if err := seedNetworkBase(ctx, c, st, "10.30"); err != nil {
		return err
	}
	sg, err := c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(st.Cluster + "-sandbox"), Description: aws.String("ecsflow sandbox: stands in for the stack's security groups"),
		VpcId: aws.String(st.VPCID),
	})
	if err != nil {
		return fmt.Errorf("failed to create the security group: %w", err)
	}
	st.SecurityGroups["sandbox"] = aws.ToString(sg.GroupId)
	name := st.Cluster + "-ecs-execution-" + st.Region
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil && !alreadyExists(err) {
		return fmt.Errorf("failed to create the role %s: %w", name, err)
	}
	st.ExecutionRoleARN = "arn:aws:iam::" + AccountID + ":role/" + name
	return nil
}

// stackSeeder creates the planned resources one by one and keeps the state
// of each.
type stackSeeder struct {
	c     seedClients
	st    *Stack
	p     *StackPlan
	state []*tfResource
}

// record adds r's instance to the state, with its attributes.
func (sd *stackSeeder) record(r *PlannedResource, attrs map[string]any) {
	b := r.inst.Block
	var key any
	if r.Key != "" {
		key = strings.Trim(r.Key, `[]"`)
	}
	for _, res := range sd.state {
		if res.typ == b.Labels[0] && res.name == b.Labels[1] {
			res.add(key, attrs)
			return
		}
	}
	sd.state = append(sd.state, (&tfResource{typ: b.Labels[0], name: b.Labels[1]}).add(key, attrs))
}

// seeders are the resource types SeedStack creates, in creation order
// (what a resource refers to is created before it), each with the method
// that creates one.
var seeders = []struct {
	typ    string
	create func(*stackSeeder, context.Context, *PlannedResource) error
}{
	{"aws_ecr_repository", (*stackSeeder).repository},
	{"aws_cloudwatch_log_group", (*stackSeeder).logGroup},
	{"aws_ecs_cluster", (*stackSeeder).cluster},
	{"aws_lb_target_group", (*stackSeeder).targetGroup},
	{"aws_lb", (*stackSeeder).loadBalancer},
	{"aws_ecs_task_definition", (*stackSeeder).taskDefinition},
	{"aws_cloudwatch_metric_alarm", (*stackSeeder).alarm},
	{"aws_ecs_service", (*stackSeeder).service},
}

func (sd *stackSeeder) create(ctx context.Context, r *PlannedResource) error {
	for _, s := range seeders {
		if s.typ == r.Type {
			return s.create(sd, ctx, r)
		}
	}
	return fmt.Errorf("type %s is not seeded", r.Type)
}

func (sd *stackSeeder) repository(ctx context.Context, r *PlannedResource) error {
	name := sd.p.known[r.Address]["name"]
	mut, _ := sd.p.str(r, nil, "image_tag_mutability")
	if mut == "" {
		mut = "MUTABLE"
	}
	scan := false
	if b := r.nested(nil, "image_scanning_configuration"); len(b) > 0 {
		scan = r.boolean(b[0], "scan_on_push", false)
	}
	if _, err := sd.c.ecr.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName: aws.String(name), ImageTagMutability: ecrtypes.ImageTagMutability(mut),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: scan},
	}); err != nil && errorCode(err) != "RepositoryAlreadyExistsException" {
		return err
	}
	k := sd.p.known[r.Address]
	sd.record(r, map[string]any{
		"id": name, "name": name, "repository_url": k["repository_url"], "arn": k["arn"], "registry_id": AccountID,
		"image_tag_mutability":         mut,
		"image_scanning_configuration": []any{map[string]any{"scan_on_push": scan}},
		"encryption_configuration":     []any{map[string]any{"encryption_type": "AES256", "kms_key": ""}},
		"tags":                         map[string]any{}, "tags_all": map[string]any{},
	})
	return nil
}

func (sd *stackSeeder) logGroup(ctx context.Context, r *PlannedResource) error {
	name := sd.p.known[r.Address]["name"]
	if _, err := sd.c.logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)}); err != nil {
		return err
	}
	days := int32(r.num(nil, "retention_in_days", 0))
	if days > 0 {
		if _, err := sd.c.logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(days)}); err != nil {
			return err
		}
	}
	sd.record(r, map[string]any{
		"id": name, "name": name, "arn": sd.p.known[r.Address]["arn"], "retention_in_days": int(days), "kms_key_id": "",
		"skip_destroy": false, "log_group_class": "STANDARD", "tags": map[string]any{}, "tags_all": map[string]any{},
	})
	return nil
}

// tags reads a resource's tags map (values it cannot resolve left out).
func (sd *stackSeeder) tags(r *PlannedResource) map[string]string {
	out := map[string]string{}
	a := r.inst.Block.Attr("tags")
	if a == nil {
		return out
	}
	if m, ok := sd.p.tree(r, a.Expr).(map[string]any); ok {
		for k, v := range m {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
	}
	return out
}

func ecsTags(m map[string]string) []ecstypes.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []ecstypes.Tag
	for _, k := range keys {
		out = append(out, ecstypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (sd *stackSeeder) cluster(ctx context.Context, r *PlannedResource) error {
	name := sd.p.known[r.Address]["name"]
	var settings []ecstypes.ClusterSetting
	var stSettings []any
	for _, b := range r.nested(nil, "setting") {
		n, _ := sd.p.str(r, b, "name")
		v, _ := sd.p.str(r, b, "value")
		settings = append(settings, ecstypes.ClusterSetting{Name: ecstypes.ClusterSettingName(n), Value: aws.String(v)})
		stSettings = append(stSettings, map[string]any{"name": n, "value": v})
	}
	tags := sd.tags(r)
	out, err := sd.c.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{
		ClusterName: aws.String(name), CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"},
		Settings: settings, Tags: ecsTags(tags),
	})
	if err != nil {
		return err
	}
	arn := aws.ToString(out.Cluster.ClusterArn)
	sd.p.learn(r, "id", arn)
	sd.p.learn(r, "arn", arn)
	if sd.st.ClusterARN == "" {
		sd.st.ClusterARN = arn
	}
	sd.record(r, map[string]any{"id": arn, "arn": arn, "name": name, "setting": stSettings, "tags": anyMap(tags), "tags_all": anyMap(tags)})
	return nil
}

func (sd *stackSeeder) targetGroup(ctx context.Context, r *PlannedResource) error {
	name := sd.p.known[r.Address]["name"]
	in := &elbv2.CreateTargetGroupInput{
		Name: aws.String(name), VpcId: aws.String(sd.st.VPCID),
		Port: aws.Int32(int32(r.num(nil, "port", 80))),
	}
	proto, _ := sd.p.str(r, nil, "protocol")
	in.Protocol = elbtypes.ProtocolEnum(strings.ToUpper(orDefault(proto, "HTTP")))
	tt, _ := sd.p.str(r, nil, "target_type")
	in.TargetType = elbtypes.TargetTypeEnum(orDefault(tt, "instance"))
	if hc := r.nested(nil, "health_check"); len(hc) > 0 {
		h := hc[0]
		in.HealthCheckEnabled = aws.Bool(r.boolean(h, "enabled", true))
		if path, ok := sd.p.str(r, h, "path"); ok {
			in.HealthCheckPath = aws.String(path)
		}
		if m, ok := sd.p.str(r, h, "matcher"); ok {
			in.Matcher = &elbtypes.Matcher{HttpCode: aws.String(m)}
		}
		in.HealthCheckIntervalSeconds = aws.Int32(int32(r.num(h, "interval", 30)))
		in.HealthCheckTimeoutSeconds = aws.Int32(int32(r.num(h, "timeout", 5)))
		in.HealthyThresholdCount = aws.Int32(int32(r.num(h, "healthy_threshold", 5)))
		in.UnhealthyThresholdCount = aws.Int32(int32(r.num(h, "unhealthy_threshold", 2)))
	}
	out, err := sd.c.elb.CreateTargetGroup(ctx, in)
	if err != nil {
		return err
	}
	tg := out.TargetGroups[0]
	arn := aws.ToString(tg.TargetGroupArn)
	sd.p.learn(r, "arn", arn)
	sd.p.learn(r, "id", arn)
	sd.st.TargetGroups[r.Address] = arn
	hc := map[string]any{
		"enabled": aws.ToBool(tg.HealthCheckEnabled), "path": aws.ToString(tg.HealthCheckPath), "port": aws.ToString(tg.HealthCheckPort),
		"protocol": string(tg.HealthCheckProtocol), "interval": int(aws.ToInt32(tg.HealthCheckIntervalSeconds)),
		"timeout": int(aws.ToInt32(tg.HealthCheckTimeoutSeconds)), "healthy_threshold": int(aws.ToInt32(tg.HealthyThresholdCount)),
		"unhealthy_threshold": int(aws.ToInt32(tg.UnhealthyThresholdCount)), "matcher": "",
	}
	if tg.Matcher != nil {
		hc["matcher"] = aws.ToString(tg.Matcher.HttpCode)
	}
	sd.record(r, map[string]any{
		"id": arn, "arn": arn, "name": name, "port": int(aws.ToInt32(tg.Port)), "protocol": string(tg.Protocol),
		"target_type": string(tg.TargetType), "vpc_id": aws.ToString(tg.VpcId), "deregistration_delay": "300",
		"health_check": []any{hc}, "tags": map[string]any{}, "tags_all": map[string]any{},
		// The target group's attributes as AWS sets them by default (the
		// seed sets none).
		"stickiness": []any{map[string]any{"enabled": false, "type": "lb_cookie", "cookie_duration": 86400}},
	})
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (sd *stackSeeder) loadBalancer(ctx context.Context, r *PlannedResource) error {
	name := sd.p.known[r.Address]["name"]
	internal := r.boolean(nil, "internal", false)
	scheme, subnets := elbtypes.LoadBalancerSchemeEnumInternetFacing, sd.st.PublicSubnets
	if internal {
		scheme, subnets = elbtypes.LoadBalancerSchemeEnumInternal, sd.st.PrivateSubnets
	}
	typ, _ := sd.p.str(r, nil, "load_balancer_type")
	out, err := sd.c.elb.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: subnets, SecurityGroups: []string{sd.st.SecurityGroups["sandbox"]},
		Scheme: scheme, Type: elbtypes.LoadBalancerTypeEnum(orDefault(typ, "application")),
	})
	if err != nil {
		return err
	}
	lb := out.LoadBalancers[0]
	arn := aws.ToString(lb.LoadBalancerArn)
	sd.p.learn(r, "arn", arn)
	sd.p.learn(r, "id", arn)
	sd.p.learn(r, "dns_name", aws.ToString(lb.DNSName))
	if sd.st.LoadBalancerARN == "" {
		sd.st.LoadBalancerARN, sd.st.LoadBalancerDNS = arn, aws.ToString(lb.DNSName)
	}
	sd.record(r, map[string]any{
		"id": arn, "arn": arn, "name": name, "dns_name": aws.ToString(lb.DNSName),
		"internal": internal, "load_balancer_type": string(lb.Type), "ip_address_type": string(lb.IpAddressType),
		"security_groups": strs(lb.SecurityGroups), "subnets": strs(subnets),
		"enable_deletion_protection": false, "idle_timeout": 60, "drop_invalid_header_fields": false, "enable_http2": true,
		"tags": map[string]any{}, "tags_all": map[string]any{},
	})
	return nil
}

func (sd *stackSeeder) taskDefinition(ctx context.Context, r *PlannedResource) error {
	doc := map[string]any{"family": sd.p.known[r.Address]["family"]}
	for attr, key := range map[string]string{"cpu": "cpu", "memory": "memory", "network_mode": "networkMode", "execution_role_arn": "executionRoleArn", "task_role_arn": "taskRoleArn"} {
		if v, ok := sd.p.str(r, nil, attr); ok {
			doc[key] = v
		}
	}
	if v := sd.p.strList(r, nil, "requires_compatibilities"); len(v) > 0 {
		doc["requiresCompatibilities"] = v
	}
	if rp := r.nested(nil, "runtime_platform"); len(rp) > 0 {
		m := map[string]any{}
		if v, ok := sd.p.str(r, rp[0], "operating_system_family"); ok {
			m["operatingSystemFamily"] = v
		}
		if v, ok := sd.p.str(r, rp[0], "cpu_architecture"); ok {
			m["cpuArchitecture"] = v
		}
		doc["runtimePlatform"] = m
	}
	if a := r.inst.Block.Attr("container_definitions"); a != nil {
		doc["containerDefinitions"] = knownSecrets(sd.p.tree(r, a.Expr))
	}
	var vols []any
	for _, v := range r.nested(nil, "volume") {
		if n, ok := sd.p.str(r, v, "name"); ok && len(r.nested(v, "efs_volume_configuration")) == 0 {
			vols = append(vols, map[string]any{"name": n})
		}
	}
	if len(vols) > 0 {
		doc["volumes"] = vols
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	td, err := ParseTaskDefinition(b)
	if err != nil {
		return err
	}
	svc := Service{LogGroup: "/ecs/" + aws.ToString(td.Family), RepositoryURI: sd.soleRepositoryURI(r)}
	prepareTaskDefinition(td, sd.st, svc)
	if arn := aws.ToString(td.TaskRoleArn); arn != "" && !strings.HasPrefix(arn, "arn:") {
		td.TaskRoleArn = nil
	}
	td.Tags = ecsTagsMerged(td.Tags, sd.tags(r))
	out, err := sd.c.ecs.RegisterTaskDefinition(ctx, td)
	if err != nil {
		return err
	}
	reg := out.TaskDefinition
	sd.p.learn(r, "arn", aws.ToString(reg.TaskDefinitionArn))
	sd.p.learn(r, "id", aws.ToString(reg.Family))
	attrs, err := taskDefState(reg, td.Tags)
	if err != nil {
		return err
	}
	sd.record(r, attrs)
	return nil
}

// knownSecrets leaves out of container definitions the secrets whose
// valueFrom is only known at apply time (a secret of a type the sandbox does
// not seed): ECS requires valueFrom, and no sandbox task reads a secret.
func knownSecrets(defs any) any {
	list, _ := defs.([]any)
	for _, d := range list {
		cd, ok := d.(map[string]any)
		if !ok {
			continue
		}
		secrets, _ := cd["secrets"].([]any)
		var keep []any
		for _, s := range secrets {
			m, _ := s.(map[string]any)
			if v, ok := m["valueFrom"].(string); ok && !tfparse.HasUnknown(v) {
				keep = append(keep, s)
			}
		}
		if len(keep) == 0 {
			delete(cd, "secrets")
		} else {
			cd["secrets"] = keep
		}
	}
	return defs
}

// ecsTagsMerged adds the resource's own tags to what prepareTaskDefinition
// set (the Environment tag), the resource's winning.
func ecsTagsMerged(have []ecstypes.Tag, own map[string]string) []ecstypes.Tag {
	m := map[string]string{}
	for _, t := range have {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	for k, v := range own {
		m[k] = v
	}
	return ecsTags(m)
}

// soleRepositoryURI is the repository a task definition's placeholder
// image falls back to: the one with the same instance key, or the only one.
func (sd *stackSeeder) soleRepositoryURI(r *PlannedResource) string {
	repos := sd.p.OfType("aws_ecr_repository")
	for _, rr := range repos {
		if rr.Key == r.Key && r.Key != "" {
			return sd.p.known[rr.Address]["repository_url"]
		}
	}
	if len(repos) == 1 {
		return sd.p.known[repos[0].Address]["repository_url"]
	}
	return ""
}

func (sd *stackSeeder) alarm(ctx context.Context, r *PlannedResource) error {
	in := cloudwatch.PutMetricAlarmInput{
		AlarmName:         aws.String(sd.p.known[r.Address]["alarm_name"]),
		Period:            aws.Int32(int32(r.num(nil, "period", 60))),
		EvaluationPeriods: aws.Int32(int32(r.num(nil, "evaluation_periods", 1))),
		Threshold:         aws.Float64(r.num(nil, "threshold", 0)),
	}
	for attr, dst := range map[string]**string{"alarm_description": &in.AlarmDescription, "namespace": &in.Namespace,
		"metric_name": &in.MetricName, "treat_missing_data": &in.TreatMissingData, "extended_statistic": &in.ExtendedStatistic} {
		if v, ok := sd.p.str(r, nil, attr); ok {
			*dst = aws.String(v)
		}
	}
	op, _ := sd.p.str(r, nil, "comparison_operator")
	in.ComparisonOperator = cwtypes.ComparisonOperator(op)
	stat, _ := sd.p.str(r, nil, "statistic")
	in.Statistic = cwtypes.Statistic(stat)
	if a := r.inst.Block.Attr("dimensions"); a != nil {
		if m, ok := sd.p.tree(r, a.Expr).(map[string]any); ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if v, ok := m[k].(string); ok {
					in.Dimensions = append(in.Dimensions, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(v)})
				}
			}
		}
	}
	if _, err := sd.c.cw.PutMetricAlarm(ctx, &in); err != nil {
		return err
	}
	sd.record(r, alarmAttrs(sd.st, in))
	return nil
}

// service creates an ECS service as its aws_ecs_service block says, in the
// sandbox network.
func (sd *stackSeeder) service(ctx context.Context, r *PlannedResource) error {
	name := sd.p.known[r.Address]["name"]
	cluster, ok := sd.p.str(r, nil, "cluster")
	if !ok {
		return fmt.Errorf("its cluster is not a cluster of the stack")
	}
	cluster = lastSegment(cluster)
	td, ok := sd.p.str(r, nil, "task_definition")
	if !ok {
		return fmt.Errorf("its task_definition is not a task definition of the stack")
	}
	in, err := sd.serviceInput(r, name, cluster, td)
	if err != nil {
		return err
	}
	out, err := sd.c.ecs.CreateService(ctx, in)
	if err != nil {
		return err
	}
	arn := aws.ToString(out.Service.ServiceArn)
	sd.p.learn(r, "id", arn)
	if !sd.c.simulated {
		// moto drops the deployment configuration given to CreateService.
		if _, err := sd.c.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: in.Cluster, Service: in.ServiceName, DeploymentConfiguration: in.DeploymentConfiguration}); err != nil {
			return err
		}
	}
	svc := Service{Name: name, ARN: arn, TaskDefinitionARN: aws.ToString(in.TaskDefinition), Family: familyOf(aws.ToString(in.TaskDefinition)),
		DeploymentAlarms: in.DeploymentConfiguration.Alarms.AlarmNames}
	if repo := sd.soleRepositoryURI(r); repo != "" {
		svc.RepositoryURI = repo
		_, svc.Repository, _ = strings.Cut(repo, "/")
	}
	sd.st.Services = append(sd.st.Services, svc)
	// What the service answered, as Terraform reads it back after create.
	in.EnableExecuteCommand = out.Service.EnableExecuteCommand
	sd.record(r, serviceState(in, arn, sd.p.known[sd.clusterAddr(cluster)]["arn"]))
	return nil
}

func (sd *stackSeeder) clusterAddr(name string) string {
	for _, c := range sd.p.OfType("aws_ecs_cluster") {
		if sd.p.known[c.Address]["name"] == name {
			return c.Address
		}
	}
	return ""
}

func familyOf(tdARN string) string {
	f := lastSegment(tdARN)
	if i := strings.LastIndex(f, ":"); i >= 0 {
		return f[:i]
	}
	return f
}

func (sd *stackSeeder) serviceInput(r *PlannedResource, name, cluster, td string) (*ecs.CreateServiceInput, error) {
	dc := &ecstypes.DeploymentConfiguration{
		MinimumHealthyPercent: aws.Int32(int32(r.num(nil, "deployment_minimum_healthy_percent", 100))),
		MaximumPercent:        aws.Int32(int32(r.num(nil, "deployment_maximum_percent", 200))),
		Alarms:                &ecstypes.DeploymentAlarms{AlarmNames: []string{}},
		Strategy:              ecstypes.DeploymentStrategyRolling,
	}
	if b := r.nested(nil, "deployment_circuit_breaker"); len(b) > 0 {
		dc.DeploymentCircuitBreaker = &ecstypes.DeploymentCircuitBreaker{Enable: r.boolean(b[0], "enable", false), Rollback: r.boolean(b[0], "rollback", false)}
	}
	if b := r.nested(nil, "alarms"); len(b) > 0 {
		dc.Alarms = &ecstypes.DeploymentAlarms{AlarmNames: sd.p.strList(r, b[0], "alarm_names"), Enable: r.boolean(b[0], "enable", false), Rollback: r.boolean(b[0], "rollback", false)}
	}
	if b := r.nested(nil, "deployment_configuration"); len(b) > 0 {
		if s, ok := sd.p.str(r, b[0], "strategy"); ok {
			dc.Strategy = ecstypes.DeploymentStrategy(s)
		}
	}
	publicIP := ecstypes.AssignPublicIpDisabled
	if b := r.nested(nil, "network_configuration"); len(b) > 0 && r.boolean(b[0], "assign_public_ip", false) {
		publicIP = ecstypes.AssignPublicIpEnabled
	}
	propagate, _ := sd.p.str(r, nil, "propagate_tags")
	in := &ecs.CreateServiceInput{
		Cluster: aws.String(cluster), ServiceName: aws.String(name), TaskDefinition: aws.String(td),
		DesiredCount: aws.Int32(int32(r.num(nil, "desired_count", 1))), LaunchType: ecstypes.LaunchTypeFargate,
		PropagateTags:           ecstypes.PropagateTags(propagate),
		EnableExecuteCommand:    r.boolean(nil, "enable_execute_command", false),
		DeploymentController:    &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeEcs},
		DeploymentConfiguration: dc,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: sd.st.PrivateSubnets, SecurityGroups: []string{sd.st.SecurityGroups["sandbox"]}, AssignPublicIp: publicIP,
		}},
		Tags: ecsTags(sd.tags(r)),
	}
	if g := r.num(nil, "health_check_grace_period_seconds", -1); g >= 0 {
		in.HealthCheckGracePeriodSeconds = aws.Int32(int32(g))
	}
	for _, lb := range r.nested(nil, "load_balancer") {
		tg, ok := sd.p.str(r, lb, "target_group_arn")
		if !ok {
			return nil, fmt.Errorf("its load_balancer's target_group_arn is not a target group of the stack")
		}
		cn, _ := sd.p.str(r, lb, "container_name")
		in.LoadBalancers = append(in.LoadBalancers, ecstypes.LoadBalancer{
			TargetGroupArn: aws.String(tg), ContainerName: aws.String(cn), ContainerPort: aws.Int32(int32(r.num(lb, "container_port", 0))),
		})
		if len(r.nested(lb, "advanced_configuration")) > 0 {
			sd.p.Unsupported = append(sd.p.Unsupported, r.Address+": load_balancer.advanced_configuration is not seeded (listener rules are not), so the service only rolls")
		}
	}
	return in, nil
}

// serviceState is the state of an aws_ecs_service created with in.
func serviceState(in *ecs.CreateServiceInput, arn, clusterARN string) map[string]any {
	dc := in.DeploymentConfiguration
	lbs := []any{}
	for _, lb := range in.LoadBalancers {
		lbs = append(lbs, map[string]any{"target_group_arn": aws.ToString(lb.TargetGroupArn), "container_name": aws.ToString(lb.ContainerName),
			"container_port": int(aws.ToInt32(lb.ContainerPort)), "elb_name": "", "advanced_configuration": []any{}})
	}
	nc := in.NetworkConfiguration.AwsvpcConfiguration
	tags := map[string]any{}
	for _, t := range in.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	m := map[string]any{
		"id": arn, "name": aws.ToString(in.ServiceName), "cluster": clusterARN, "task_definition": aws.ToString(in.TaskDefinition),
		"desired_count": int(aws.ToInt32(in.DesiredCount)), "launch_type": "FARGATE", "platform_version": "LATEST",
		"propagate_tags": string(in.PropagateTags), "enable_execute_command": in.EnableExecuteCommand, "enable_ecs_managed_tags": false,
		"health_check_grace_period_seconds":  int(aws.ToInt32(in.HealthCheckGracePeriodSeconds)),
		"deployment_maximum_percent":         int(aws.ToInt32(dc.MaximumPercent)),
		"deployment_minimum_healthy_percent": int(aws.ToInt32(dc.MinimumHealthyPercent)),
		"deployment_controller":              []any{map[string]any{"type": "ECS"}},
		"alarms":                             []any{map[string]any{"alarm_names": strs(dc.Alarms.AlarmNames), "enable": dc.Alarms.Enable, "rollback": dc.Alarms.Rollback}},
		"network_configuration": []any{map[string]any{
			"subnets": strs(nc.Subnets), "security_groups": strs(nc.SecurityGroups), "assign_public_ip": nc.AssignPublicIp == ecstypes.AssignPublicIpEnabled,
		}},
		"load_balancer": lbs, "service_registries": []any{}, "tags": tags, "tags_all": tags,
	}
	if cb := dc.DeploymentCircuitBreaker; cb != nil {
		m["deployment_circuit_breaker"] = []any{map[string]any{"enable": cb.Enable, "rollback": cb.Rollback}}
	}
	return m
}

// writeState writes the state of every created resource to the backend's
// bucket and key.
func (sd *stackSeeder) writeState(ctx context.Context) error {
	doc, err := renderState(sd.st, sd.state)
	if err != nil {
		return err
	}
	return putState(ctx, sd.c, sd.st, doc)
}
