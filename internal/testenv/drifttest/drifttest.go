// Package drifttest builds a small ECS stack in a local AWS stand-in (moto)
// together with the Terraform state that describes it, so drift tests and
// benchmarks can change AWS behind Terraform's back and check what the scan
// reports. The state is written from what the builder asked AWS to create
// (plus the IDs AWS returned), never from what a scanner reads back.
package drifttest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/ecsflow/ecsflow/internal/drift"
)

// Options say what to build.
type Options struct {
	// Name prefixes every resource (unique per test).
	Name string
	// Services is how many ECS services, each with a task definition,
	// target group, listener rule, log group and alarm (default 2).
	Services int
	// NoClusterSettings creates the cluster without containerInsights: the
	// sandbox's ECS simulator does not echo cluster settings back.
	NoClusterSettings bool
}

// Clients are the SDK clients the builder and the scanner use.
type Clients struct {
	ECS         *ecs.Client
	ELB         *elb.Client
	EC2         *ec2.Client
	ECR         *ecr.Client
	Logs        *cloudwatchlogs.Client
	CloudWatch  *cloudwatch.Client
	IAM         *iam.Client
	Autoscaling *aas.Client
	Discovery   *sd.Client
}

// NewClients builds clients from cfg; cwOpts are the CloudWatch options a
// local stand-in needs (cloudwatchclient.Options).
func NewClients(cfg aws.Config, cwOpts ...func(*cloudwatch.Options)) Clients {
	return Clients{
		ECS: ecs.NewFromConfig(cfg), ELB: elb.NewFromConfig(cfg), EC2: ec2.NewFromConfig(cfg),
		ECR: ecr.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg),
		CloudWatch: cloudwatch.NewFromConfig(cfg, cwOpts...), IAM: iam.NewFromConfig(cfg),
		Autoscaling: aas.NewFromConfig(cfg), Discovery: sd.NewFromConfig(cfg),
	}
}

// Drift returns the clients as the scanner's interfaces.
func (c Clients) Drift() drift.Clients {
	return drift.Clients{ECS: c.ECS, ELB: c.ELB, EC2: c.EC2, ECR: c.ECR, Logs: c.Logs, CloudWatch: c.CloudWatch,
		IAM: c.IAM, Autoscaling: c.Autoscaling, Discovery: c.Discovery}
}

// Stack is what was built.
type Stack struct {
	Name       string
	Cluster    string
	ClusterARN string
	VPC        string
	Subnets    []string
	// ALBSG and AppSG are the security group IDs.
	ALBSG, AppSG string
	LBARN        string
	ListenerARN  string
	// Services by name.
	Services []Service
	RoleName string
	Repo     string
	// Resources counts the state objects (managed resources).
	Resources int

	mu        sync.Mutex
	resources []map[string]any
}

// Service is one built ECS service.
type Service struct {
	Name, ARN, TaskDefARN, Family, TGARN, RuleARN, Alarm, LogGroup string
}

// Tags every resource gets.
var Tags = map[string]string{"Project": "drift", "ManagedBy": "terraform"}

func tagsAny() map[string]any {
	out := map[string]any{}
	for k, v := range Tags {
		out[k] = v
	}
	return out
}

func (st *Stack) add(typ, name string, attrs map[string]any) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := attrs["tags"]; !ok && typ != "aws_security_group_rule" && typ != "aws_iam_role_policy_attachment" && typ != "aws_ecr_lifecycle_policy" && typ != "aws_appautoscaling_policy" {
		attrs["tags"] = tagsAny()
		attrs["tags_all"] = tagsAny()
	}
	st.resources = append(st.resources, map[string]any{
		"mode": "managed", "type": typ, "name": name,
		"provider":  `provider["registry.terraform.io/hashicorp/aws"]`,
		"instances": []any{map[string]any{"schema_version": 0, "attributes": attrs}},
	})
	st.Resources++
}

// AddResource adds an object to the state without creating anything, e.g.
// a type drift-check does not cover.
func (st *Stack) AddResource(typ, name string, attrs map[string]any) { st.add(typ, name, attrs) }

// State renders the Terraform state (format version 4).
func (st *Stack) State() []byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, _ := json.MarshalIndent(map[string]any{
		"version": 4, "terraform_version": "1.11.4", "serial": 7, "lineage": "drifttest-" + st.Name,
		"outputs": map[string]any{}, "resources": st.resources, "check_results": nil,
	}, "", "  ")
	return b
}

func ecsTags() []ecstypes.Tag {
	var out []ecstypes.Tag
	for k, v := range Tags {
		out = append(out, ecstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func elbTags() []elbtypes.Tag {
	var out []elbtypes.Tag
	for k, v := range Tags {
		out = append(out, elbtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

// Build creates the stack and records its state.
func Build(ctx context.Context, c Clients, o Options) (*Stack, error) {
	if o.Services == 0 {
		o.Services = 2
	}
	st := &Stack{Name: o.Name, Cluster: o.Name}
	steps := []func(context.Context, Clients, *Stack, Options) error{buildNetwork, buildShared, buildLB, buildServices}
	for _, s := range steps {
		if err := s(ctx, c, st, o); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func buildNetwork(ctx context.Context, c Clients, st *Stack, o Options) error {
	vpc, err := c.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.30.0.0/16")})
	if err != nil {
		return fmt.Errorf("create vpc: %w", err)
	}
	st.VPC = aws.ToString(vpc.Vpc.VpcId)
	region := c.EC2.Options().Region
	for i, az := range []string{region + "a", region + "b"} {
		sn, err := c.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.30.%d.0/24", i)), AvailabilityZone: aws.String(az)})
		if err != nil {
			return fmt.Errorf("create subnet: %w", err)
		}
		st.Subnets = append(st.Subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	mk := func(name, desc string) (string, error) {
		g, err := c.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(st.Name + "-" + name), Description: aws.String(desc), VpcId: vpc.Vpc.VpcId,
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: ec2Tags()}}})
		if err != nil {
			return "", fmt.Errorf("create security group %s: %w", name, err)
		}
		return aws.ToString(g.GroupId), nil
	}
	if st.ALBSG, err = mk("alb", "ALB ingress"); err != nil {
		return err
	}
	if st.AppSG, err = mk("app", "Service tasks"); err != nil {
		return err
	}
	_, err = c.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(st.ALBSG), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	if err != nil {
		return fmt.Errorf("authorize alb ingress: %w", err)
	}
	_, err = c.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(st.AppSG), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(st.ALBSG)}}}}})
	if err != nil {
		return fmt.Errorf("authorize app ingress: %w", err)
	}
	egress := []any{map[string]any{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": []any{"0.0.0.0/0"}, "ipv6_cidr_blocks": []any{}, "prefix_list_ids": []any{}, "security_groups": []any{}, "self": false, "description": ""}}
	// The ALB group keeps its rules inline; the app group uses a separate rule resource.
	st.add("aws_security_group", "alb", map[string]any{"id": st.ALBSG, "name": st.Name + "-alb", "description": "ALB ingress", "vpc_id": st.VPC,
		"ingress": []any{map[string]any{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": []any{"0.0.0.0/0"}, "ipv6_cidr_blocks": []any{}, "prefix_list_ids": []any{}, "security_groups": []any{}, "self": false, "description": ""}},
		"egress":  egress})
	st.add("aws_security_group", "app", map[string]any{"id": st.AppSG, "name": st.Name + "-app", "description": "Service tasks", "vpc_id": st.VPC, "ingress": []any{}, "egress": egress})
	st.add("aws_vpc_security_group_ingress_rule", "app_from_alb", map[string]any{"id": "sgr-0000000000000001", "security_group_id": st.AppSG, "ip_protocol": "tcp",
		"from_port": 8080, "to_port": 8080, "referenced_security_group_id": st.ALBSG, "cidr_ipv4": nil, "description": nil})
	return nil
}

func ec2Tags() []ec2types.Tag {
	var out []ec2types.Tag
	for k, v := range Tags {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

const assumeECSTasks = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

const lifecyclePolicy = `{"rules":[{"rulePriority":1,"description":"keep 30","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}`

func buildShared(ctx context.Context, c Clients, st *Stack, o Options) error {
	in := &ecs.CreateClusterInput{ClusterName: aws.String(st.Cluster), Tags: ecsTags()}
	settings := []any{}
	if !o.NoClusterSettings {
		in.Settings = []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}}
		settings = []any{map[string]any{"name": "containerInsights", "value": "enabled"}}
	}
	cl, err := c.ECS.CreateCluster(ctx, in)
	if err != nil {
		return fmt.Errorf("create cluster: %w", err)
	}
	st.ClusterARN = aws.ToString(cl.Cluster.ClusterArn)
	st.add("aws_ecs_cluster", "main", map[string]any{"id": st.ClusterARN, "arn": st.ClusterARN, "name": st.Cluster, "setting": settings})

	st.RoleName = st.Name + "-execution"
	var iamTags []iamtypes.Tag
	for k, v := range Tags {
		iamTags = append(iamTags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	role, err := c.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(st.RoleName), AssumeRolePolicyDocument: aws.String(assumeECSTasks),
		Description: aws.String("ECS task execution"), Tags: iamTags})
	if err != nil {
		return fmt.Errorf("create role: %w", err)
	}
	pol, err := c.IAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(st.Name + "-pull"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}`)})
	if err != nil {
		return fmt.Errorf("create policy: %w", err)
	}
	execPolicy := aws.ToString(pol.Policy.Arn)
	if _, err := c.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(st.RoleName), PolicyArn: aws.String(execPolicy)}); err != nil {
		return fmt.Errorf("attach policy: %w", err)
	}
	st.add("aws_iam_role", "execution", map[string]any{"id": st.RoleName, "name": st.RoleName, "arn": aws.ToString(role.Role.Arn),
		"assume_role_policy": assumeECSTasks, "description": "ECS task execution", "max_session_duration": 3600, "path": "/", "permissions_boundary": nil})
	st.add("aws_iam_role_policy_attachment", "execution", map[string]any{"id": st.RoleName + "-20260101000000000000000001", "role": st.RoleName, "policy_arn": execPolicy})

	st.Repo = st.Name + "/app"
	var ecrTags []ecrtypes.Tag
	for k, v := range Tags {
		ecrTags = append(ecrTags, ecrtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	repo, err := c.ECR.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(st.Repo), ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable,
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true}, Tags: ecrTags})
	if err != nil {
		return fmt.Errorf("create repository: %w", err)
	}
	if _, err := c.ECR.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String(st.Repo), LifecyclePolicyText: aws.String(lifecyclePolicy)}); err != nil {
		return fmt.Errorf("put lifecycle policy: %w", err)
	}
	st.add("aws_ecr_repository", "app", map[string]any{"id": st.Repo, "name": st.Repo, "arn": aws.ToString(repo.Repository.RepositoryArn),
		"image_tag_mutability": "IMMUTABLE", "image_scanning_configuration": []any{map[string]any{"scan_on_push": true}},
		"encryption_configuration": []any{map[string]any{"encryption_type": "AES256", "kms_key": ""}}})
	st.add("aws_ecr_lifecycle_policy", "app", map[string]any{"id": st.Repo, "repository": st.Repo, "policy": lifecyclePolicy})
	return nil
}

func buildLB(ctx context.Context, c Clients, st *Stack, o Options) error {
	lb, err := c.ELB.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(st.Name + "-alb"), Subnets: st.Subnets,
		SecurityGroups: []string{st.ALBSG}, Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing, Type: elbtypes.LoadBalancerTypeEnumApplication, Tags: elbTags()})
	if err != nil {
		return fmt.Errorf("create load balancer: %w", err)
	}
	st.LBARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	st.add("aws_lb", "main", map[string]any{"id": st.LBARN, "arn": st.LBARN, "name": st.Name + "-alb", "internal": false, "load_balancer_type": "application",
		"security_groups": []any{st.ALBSG}, "subnets": []any{st.Subnets[0], st.Subnets[1]}, "ip_address_type": "ipv4",
		"enable_deletion_protection": false, "idle_timeout": 60, "drop_invalid_header_fields": false, "enable_http2": true})
	// A redirect listener, as a stack with HTTPS has on port 80.
	rl, err := c.ELB.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(st.LBARN), Port: aws.Int32(81), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &elbtypes.RedirectActionConfig{
			Protocol: aws.String("HTTPS"), Port: aws.String("443"), Host: aws.String("#{host}"), Path: aws.String("/#{path}"), Query: aws.String("#{query}"),
			StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}}}, Tags: elbTags()})
	if err != nil {
		return fmt.Errorf("create redirect listener: %w", err)
	}
	arn := aws.ToString(rl.Listeners[0].ListenerArn)
	st.add("aws_lb_listener", "redirect", map[string]any{"id": arn, "arn": arn, "load_balancer_arn": st.LBARN, "port": 81, "protocol": "HTTP",
		"ssl_policy": "", "certificate_arn": nil, "default_action": []any{map[string]any{"type": "redirect", "target_group_arn": "", "forward": []any{}, "fixed_response": []any{},
			"redirect": []any{map[string]any{"host": "#{host}", "path": "/#{path}", "port": "443", "protocol": "HTTPS", "query": "#{query}", "status_code": "HTTP_301"}}}}})
	return nil
}

func buildServices(ctx context.Context, c Clients, st *Stack, o Options) error {
	var defaultTG string
	for i := 0; i < o.Services; i++ {
		name := fmt.Sprintf("svc%03d", i)
		tg, err := c.ELB.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(fmt.Sprintf("%s-%d", trunc(st.Name, 20), i)), Port: aws.Int32(8080),
			Protocol: elbtypes.ProtocolEnumHttp, VpcId: aws.String(st.VPC), TargetType: elbtypes.TargetTypeEnumIp, HealthCheckPath: aws.String("/health"),
			HealthCheckEnabled: aws.Bool(true), Tags: elbTags()})
		if err != nil {
			return fmt.Errorf("create target group: %w", err)
		}
		t := tg.TargetGroups[0]
		svc := Service{Name: name, Family: st.Name + "-" + name, TGARN: aws.ToString(t.TargetGroupArn)}
		st.add("aws_lb_target_group", name, map[string]any{"id": svc.TGARN, "arn": svc.TGARN, "name": aws.ToString(t.TargetGroupName), "port": 8080,
			"protocol": "HTTP", "target_type": "ip", "vpc_id": st.VPC, "deregistration_delay": "300",
			"stickiness": []any{map[string]any{"enabled": false, "type": "lb_cookie", "cookie_duration": 86400, "cookie_name": ""}},
			"health_check": []any{map[string]any{"enabled": true, "path": "/health", "port": aws.ToString(t.HealthCheckPort), "protocol": string(t.HealthCheckProtocol),
				"interval": int(aws.ToInt32(t.HealthCheckIntervalSeconds)), "timeout": int(aws.ToInt32(t.HealthCheckTimeoutSeconds)),
				"healthy_threshold": int(aws.ToInt32(t.HealthyThresholdCount)), "unhealthy_threshold": int(aws.ToInt32(t.UnhealthyThresholdCount)),
				"matcher": matcher(t)}}})
		if i == 0 {
			defaultTG = svc.TGARN
			l, err := c.ELB.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(st.LBARN), Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
				DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(defaultTG)}}, Tags: elbTags()})
			if err != nil {
				return fmt.Errorf("create listener: %w", err)
			}
			st.ListenerARN = aws.ToString(l.Listeners[0].ListenerArn)
			st.add("aws_lb_listener", "http", map[string]any{"id": st.ListenerARN, "arn": st.ListenerARN, "load_balancer_arn": st.LBARN, "port": 80, "protocol": "HTTP",
				"ssl_policy": "", "certificate_arn": nil, "default_action": []any{map[string]any{"type": "forward", "target_group_arn": defaultTG, "forward": []any{}, "redirect": []any{}, "fixed_response": []any{}}}})
		}
		path := "/" + name + "/*"
		rule, err := c.ELB.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: aws.String(st.ListenerARN), Priority: aws.Int32(int32(i + 1)),
			Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{path}}},
			Actions:    []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(svc.TGARN)}}, Tags: elbTags()})
		if err != nil {
			return fmt.Errorf("create rule: %w", err)
		}
		svc.RuleARN = aws.ToString(rule.Rules[0].RuleArn)
		st.add("aws_lb_listener_rule", name, map[string]any{"id": svc.RuleARN, "arn": svc.RuleARN, "listener_arn": st.ListenerARN, "priority": i + 1,
			"action":    []any{map[string]any{"type": "forward", "target_group_arn": svc.TGARN, "forward": []any{}, "redirect": []any{}, "fixed_response": []any{}}},
			"condition": []any{map[string]any{"path_pattern": []any{map[string]any{"values": []any{path}}}, "host_header": []any{}}}})

		svc.LogGroup = "/ecs/" + st.Name + "/" + name
		if _, err := c.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(svc.LogGroup), Tags: Tags}); err != nil {
			return fmt.Errorf("create log group: %w", err)
		}
		if _, err := c.Logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(svc.LogGroup), RetentionInDays: aws.Int32(30)}); err != nil {
			return fmt.Errorf("put retention: %w", err)
		}
		st.add("aws_cloudwatch_log_group", name, map[string]any{"id": svc.LogGroup, "name": svc.LogGroup, "retention_in_days": 30, "kms_key_id": ""})

		containers := fmt.Sprintf(`[{"name":"app","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/%s:v1","essential":true,"memory":512,"portMappings":[{"containerPort":8080,"hostPort":8080,"protocol":"tcp"}],"environment":[{"name":"PORT","value":"8080"},{"name":"MODE","value":"prod"}],"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"%s","awslogs-region":"us-east-1","awslogs-stream-prefix":"app"}}}]`, st.Repo, svc.LogGroup)
		var defs []ecstypes.ContainerDefinition
		if err := json.Unmarshal([]byte(containers), &defs); err != nil {
			return err
		}
		td, err := c.ECS.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String(svc.Family), ContainerDefinitions: defs,
			Cpu: aws.String("256"), Memory: aws.String("512"), NetworkMode: ecstypes.NetworkModeAwsvpc, RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
			Tags: ecsTags()})
		if err != nil {
			return fmt.Errorf("register task definition: %w", err)
		}
		svc.TaskDefARN = aws.ToString(td.TaskDefinition.TaskDefinitionArn)
		st.add("aws_ecs_task_definition", name, map[string]any{"id": svc.Family, "arn": svc.TaskDefARN, "family": svc.Family, "revision": int(td.TaskDefinition.Revision),
			"container_definitions": containers, "cpu": "256", "memory": "512", "network_mode": "awsvpc", "requires_compatibilities": []any{"FARGATE"},
			"execution_role_arn": "", "task_role_arn": "", "runtime_platform": []any{}})

		s, err := c.ECS.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(st.Cluster), ServiceName: aws.String(name), TaskDefinition: aws.String(svc.TaskDefARN),
			DesiredCount: aws.Int32(2), LaunchType: ecstypes.LaunchTypeFargate, Tags: ecsTags(),
			DeploymentConfiguration: &ecstypes.DeploymentConfiguration{MaximumPercent: aws.Int32(200), MinimumHealthyPercent: aws.Int32(100),
				DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
			NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: st.Subnets, SecurityGroups: []string{st.AppSG}}},
			LoadBalancers:        []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(svc.TGARN), ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)}},
		})
		if err != nil {
			return fmt.Errorf("create service: %w", err)
		}
		// A stack is built once the next reader sees it (ECS reads lag
		// behind CreateService; docs/ecs-contract.md).
		if err := awaitService(ctx, c, st.Cluster, name, func(ecstypes.Service) bool { return true }); err != nil {
			return err
		}
		svc.ARN = aws.ToString(s.Service.ServiceArn)
		st.add("aws_ecs_service", name, map[string]any{"id": svc.ARN, "name": name, "cluster": st.ClusterARN, "task_definition": svc.TaskDefARN,
			"desired_count": 2, "launch_type": "FARGATE", "enable_execute_command": false, "propagate_tags": "NONE",
			"deployment_maximum_percent": 200, "deployment_minimum_healthy_percent": 100,
			"deployment_circuit_breaker": []any{map[string]any{"enable": true, "rollback": true}},
			"network_configuration":      []any{map[string]any{"subnets": []any{st.Subnets[0], st.Subnets[1]}, "security_groups": []any{st.AppSG}, "assign_public_ip": false}},
			"load_balancer":              []any{map[string]any{"target_group_arn": svc.TGARN, "container_name": "app", "container_port": 8080, "elb_name": ""}},
			"service_registries":         []any{}})

		svc.Alarm = st.Name + "-" + name + "-cpu-high"
		var cwTags []cwtypes.Tag
		for k, v := range Tags {
			cwTags = append(cwTags, cwtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		_, err = c.CloudWatch.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(svc.Alarm), AlarmDescription: aws.String("CPU above 80%"),
			ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold, EvaluationPeriods: aws.Int32(3), MetricName: aws.String("CPUUtilization"),
			Namespace: aws.String("AWS/ECS"), Period: aws.Int32(60), Statistic: cwtypes.StatisticAverage, Threshold: aws.Float64(80),
			Dimensions:       []cwtypes.Dimension{{Name: aws.String("ClusterName"), Value: aws.String(st.Cluster)}, {Name: aws.String("ServiceName"), Value: aws.String(name)}},
			TreatMissingData: aws.String("missing"), Tags: cwTags})
		if err != nil {
			return fmt.Errorf("put alarm: %w", err)
		}
		st.add("aws_cloudwatch_metric_alarm", name+"_cpu", map[string]any{"id": svc.Alarm, "alarm_name": svc.Alarm, "alarm_description": "CPU above 80%",
			"comparison_operator": "GreaterThanThreshold", "evaluation_periods": 3, "metric_name": "CPUUtilization", "namespace": "AWS/ECS", "period": 60,
			"statistic": "Average", "threshold": 80, "treat_missing_data": "missing", "actions_enabled": true, "alarm_actions": []any{}, "ok_actions": []any{},
			"dimensions": map[string]any{"ClusterName": st.Cluster, "ServiceName": name}, "datapoints_to_alarm": 0})
		st.Services = append(st.Services, svc)
	}
	// Autoscaling for the first service; Cloud Map for the second.
	first := st.Services[0]
	rid := "service/" + st.Cluster + "/" + first.Name
	if _, err := c.Autoscaling.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(rid),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(6)}); err != nil {
		return fmt.Errorf("register scalable target: %w", err)
	}
	st.add("aws_appautoscaling_target", first.Name, map[string]any{"id": rid, "resource_id": rid, "scalable_dimension": "ecs:service:DesiredCount",
		"service_namespace": "ecs", "min_capacity": 1, "max_capacity": 6})
	pol := st.Name + "-cpu-tracking"
	if _, err := c.Autoscaling.PutScalingPolicy(ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String(pol), ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(rid),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(60), ScaleInCooldown: aws.Int32(300), ScaleOutCooldown: aws.Int32(60),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeECSServiceAverageCPUUtilization}}}); err != nil {
		return fmt.Errorf("put scaling policy: %w", err)
	}
	st.add("aws_appautoscaling_policy", first.Name, map[string]any{"id": pol, "name": pol, "resource_id": rid, "scalable_dimension": "ecs:service:DesiredCount",
		"service_namespace": "ecs", "policy_type": "TargetTrackingScaling",
		"target_tracking_scaling_policy_configuration": []any{map[string]any{"target_value": 60, "scale_in_cooldown": 300, "scale_out_cooldown": 60, "disable_scale_in": false,
			"predefined_metric_specification": []any{map[string]any{"predefined_metric_type": "ECSServiceAverageCPUUtilization", "resource_label": ""}}, "customized_metric_specification": []any{}}}})

	ns, err := c.Discovery.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String(st.Name + ".local"), Vpc: aws.String(st.VPC)})
	if err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	_ = ns
	nsList, err := c.Discovery.ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if err != nil {
		return fmt.Errorf("list namespaces: %w", err)
	}
	var nsID string
	for _, n := range nsList.Namespaces {
		if aws.ToString(n.Name) == st.Name+".local" {
			nsID = aws.ToString(n.Id)
		}
	}
	var sdTags []sdtypes.Tag
	for k, v := range Tags {
		sdTags = append(sdTags, sdtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	ds, err := c.Discovery.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("gateway"), NamespaceId: aws.String(nsID), Description: aws.String("gateway by name"),
		DnsConfig: &sdtypes.DnsConfig{RoutingPolicy: sdtypes.RoutingPolicyMultivalue, DnsRecords: []sdtypes.DnsRecord{{Type: sdtypes.RecordTypeA, TTL: aws.Int64(10)}}}, Tags: sdTags})
	if err != nil {
		return fmt.Errorf("create discovery service: %w", err)
	}
	st.add("aws_service_discovery_service", "gateway", map[string]any{"id": aws.ToString(ds.Service.Id), "arn": aws.ToString(ds.Service.Arn), "name": "gateway",
		"description": "gateway by name", "namespace_id": nsID,
		"dns_config": []any{map[string]any{"namespace_id": nsID, "routing_policy": "MULTIVALUE", "dns_records": []any{map[string]any{"ttl": 10, "type": "A"}}}}})
	return nil
}

func matcher(t elbtypes.TargetGroup) string {
	if t.Matcher != nil {
		return aws.ToString(t.Matcher.HttpCode)
	}
	return ""
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
