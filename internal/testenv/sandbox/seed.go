package sandbox

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"embed"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/s3client"
)

//go:embed taskdefs/*.json
var embeddedTaskDefs embed.FS

// ServiceNames are the three services of the example stack, in the order
// a deployment's waves start them (backends first).
var ServiceNames = []string{"bedrock-access-gateway", "mcpo", "open-webui"}

// SeedOptions say which example stack to create. The zero value creates
// the dev environment of project "ecsflow" in the sandbox's region, with the
// names the example Terraform (examples/open-webui/terraform) gives it.
type SeedOptions struct {
	// Project and Environment name the stack: resources are called
	// "<project>-<environment>[-...]" (default "ecsflow" and "dev").
	Project     string
	Environment string
	// Region to seed in (default the sandbox's). Seeding another region
	// gives a test its own copy of the stack.
	Region string
	// TaskDefinitionsDir holds one <service>.json per service, in the form
	// `aws ecs register-task-definition --cli-input-json` takes (usually
	// examples/open-webui/task-definitions). Empty or missing files fall
	// back to small built-in definitions.
	TaskDefinitionsDir string
	// DesiredCount of each service (default 2, so rolling deployments show
	// old and new tasks side by side; dev.tfvars runs 1).
	DesiredCount int32
}

// Stack describes the seeded example stack: what tests and the demo point
// the actions at.
type Stack struct {
	Project, Environment, Region string

	Cluster    string
	ClusterARN string

	VPCID          string
	PublicSubnets  []string
	PrivateSubnets []string
	// SecurityGroups maps "alb" and each service name to its group ID.
	SecurityGroups map[string]string

	LoadBalancerARN string
	LoadBalancerDNS string
	// HTTPListenerARN redirects to HTTPS; HTTPSListenerARN holds the rule.
	HTTPListenerARN  string
	HTTPSListenerARN string
	ListenerRuleARN  string
	// TargetGroups maps "blue" and "green" to the open-webui target groups.
	TargetGroups map[string]string

	// Services in ServiceNames order.
	Services []Service

	ExecutionRoleARN string
	// InfrastructureRoleARN is the role ECS assumes to move the listener
	// rule between the blue and green target groups (advancedConfiguration).
	InfrastructureRoleARN string
	StateBucket           string
	StateKey              string
	LockTable             string
	LedgerTable           string

	// Plan is what SeedStack read from a team's own stack (nil after Seed).
	Plan *StackPlan

	// What TerraformState records beyond the names above.
	certificateARN string
	desiredCount   int32
	taskDefs       map[string]*ecstypes.TaskDefinition
	taskDefTags    map[string][]ecstypes.Tag
}

// Vars returns the stack's names as variables a workflow can read (pass
// them as e2e.Workflow.Env or .Vars): ECSFLOW_CLUSTER, ECSFLOW_SERVICES
// (newline-separated), ECSFLOW_LEDGER_TABLE, ECSFLOW_LOCK_TABLE,
// ECSFLOW_STATE_BUCKET, ECSFLOW_STATE_KEY, ECSFLOW_ENVIRONMENT, and per
// service ECSFLOW_REPOSITORY_<NAME> and ECSFLOW_TASK_DEFINITION_<NAME>
// (NAME upper-cased, hyphens as underscores).
func (st *Stack) Vars() map[string]string {
	v := map[string]string{
		"ECSFLOW_CLUSTER":      st.Cluster,
		"ECSFLOW_LEDGER_TABLE": st.LedgerTable,
		"ECSFLOW_LOCK_TABLE":   st.LockTable,
		"ECSFLOW_STATE_BUCKET": st.StateBucket,
		"ECSFLOW_STATE_KEY":    st.StateKey,
		"ECSFLOW_ENVIRONMENT":  st.Environment,
	}
	var names []string
	for _, s := range st.Services {
		names = append(names, s.Name)
		key := strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
		v["ECSFLOW_REPOSITORY_"+key] = s.Repository
		v["ECSFLOW_TASK_DEFINITION_"+key] = s.TaskDefinitionARN
	}
	v["ECSFLOW_SERVICES"] = strings.Join(names, "\n")
	return v
}

// Service is one seeded ECS service and what belongs to it.
type Service struct {
	Name              string
	ARN               string
	Port              int32
	Family            string
	TaskDefinitionARN string
	Repository        string
	RepositoryURI     string
	LogGroup          string
	// Alarms are all the service's CloudWatch alarms; DeploymentAlarms the
	// ones its deployment configuration watches (ECS rolls back when one
	// fires, and deploy-ecs watches the same names).
	Alarms           []string
	DeploymentAlarms []string
	// TaskDefinitionSource is the file the task definition came from, or
	// "built-in".
	TaskDefinitionSource string
}

// Service returns the seeded service with the given name.
func (st *Stack) Service(name string) (Service, bool) {
	for _, s := range st.Services {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

// Ledger table key schema: deploy-ecs writes deployment records under a
// partition key "pk" and a sort key "sk" (both strings).
const (
	LedgerPartitionKey = "pk"
	LedgerSortKey      = "sk"
)

type seedClients struct {
	ec2       *ec2.Client
	elb       *elbv2.Client
	ecs       *ecs.Client
	ecr       *ecr.Client
	logs      *cloudwatchlogs.Client
	cw        *cloudwatch.Client
	s3        *s3.Client
	ddb       *dynamodb.Client
	iam       *iam.Client
	getenv    func(string) string
	simulated bool
}

// Seed creates the example Open WebUI stack: VPC with public and private
// subnets and security groups, an ALB with HTTP and HTTPS listeners, a
// listener rule and blue/green target groups, the ECS cluster with the three
// Fargate services and their task definitions, an ECR repository per
// service (immutable tags, scan on push), log groups, CloudWatch alarms per
// service, the Terraform state bucket and lock table, and the deployment
// ledger table; last it writes the Terraform state describing the stack to
// Stack.StateBucket at Stack.StateKey (see Stack.TerraformState). Seed a project and environment once per region (after
// Start or Reset): a second Seed of the same one fails on the existing
// resources; other environments (staging, prod) can join it in the same
// region, sharing the repositories and tables.
func (s *Sandbox) Seed(ctx context.Context, o SeedOptions) (*Stack, error) {
	if o.Project == "" {
		o.Project = "ecsflow"
	}
	if o.Environment == "" {
		o.Environment = "dev"
	}
	if o.Region == "" {
		o.Region = s.Region
	}
	if o.DesiredCount == 0 {
		o.DesiredCount = 2
	}
	cfg := s.AWSConfig(ctx)
	cfg.Region = o.Region
	c := seedClients{
		ec2:       ec2.NewFromConfig(cfg),
		elb:       elbv2.NewFromConfig(cfg),
		ecs:       ecs.NewFromConfig(cfg),
		ecr:       ecr.NewFromConfig(cfg),
		logs:      cloudwatchlogs.NewFromConfig(cfg),
		cw:        cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(s.Getenv)...),
		s3:        s3.NewFromConfig(cfg, s3client.Options(s.Getenv)...),
		ddb:       dynamodb.NewFromConfig(cfg),
		iam:       iam.NewFromConfig(cfg),
		getenv:    s.Getenv,
		simulated: s.ecs != nil,
	}
	name := o.Project + "-" + o.Environment
	st := &Stack{
		Project: o.Project, Environment: o.Environment, Region: o.Region,
		Cluster:        name,
		SecurityGroups: map[string]string{},
		TargetGroups:   map[string]string{},
		StateBucket:    o.Project + "-tfstate-" + o.Environment,
		StateKey:       "open-webui/" + o.Environment + "/terraform.tfstate",
		LockTable:      o.Project + "-terraform-locks",
		LedgerTable:    o.Project + "-deployments",
		desiredCount:   o.DesiredCount,
		taskDefs:       map[string]*ecstypes.TaskDefinition{},
		taskDefTags:    map[string][]ecstypes.Tag{},
	}
	if o.Region != DefaultRegion {
		// Bucket names are global; keep a second region's stack apart.
		st.StateBucket += "-" + o.Region
	}
	steps := []struct {
		what string
		fn   func(context.Context, seedClients, *Stack, SeedOptions) error
	}{
		{"network", seedNetwork},
		{"load balancer", seedLoadBalancer},
		{"state bucket and tables", seedState},
		{"IAM roles", seedIAM},
		{"repositories, log groups and alarms", seedPerService},
		{"ECS cluster and services", seedECS},
		{"Terraform state", seedTerraformState},
	}
	for _, step := range steps {
		if err := step.fn(ctx, c, st, o); err != nil {
			return nil, fmt.Errorf("failed to seed the %s of %s in %s: %w", step.what, name, o.Region, err)
		}
	}
	if sim := s.ECS(o.Region); sim != nil {
		// Let the first deployments finish at once, so the stack starts
		// steady, as a Terraform-applied stack would be.
		sim.Advance(5 * time.Minute)
		if err := waitSteady(ctx, c.ecs, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// seedNetworkBase creates a VPC (<prefix>.0.0/16, named after the
// cluster) with a public and a private subnet in each of the region's
// first two zones.
func seedNetworkBase(ctx context.Context, c seedClients, st *Stack, prefix string) error {
	name := st.Cluster
	vpc, err := c.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{
		CidrBlock: aws.String(prefix + ".0.0/16"),
		TagSpecifications: []ec2types.TagSpecification{{
			ResourceType: ec2types.ResourceTypeVpc,
			Tags:         []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}},
		}},
	})
	if err != nil {
		return fmt.Errorf("failed to create the VPC: %w", err)
	}
	st.VPCID = aws.ToString(vpc.Vpc.VpcId)
	// The first two zones of the region (ap-northeast-1 has no "b").
	zones, err := c.ec2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	if err != nil {
		return fmt.Errorf("failed to list the availability zones: %w", err)
	}
	var azs []string
	for _, z := range zones.AvailabilityZones {
		azs = append(azs, aws.ToString(z.ZoneName))
	}
	sort.Strings(azs)
	if len(azs) < 2 {
		return fmt.Errorf("region %s has %d availability zones; the stack needs two", st.Region, len(azs))
	}
	azs = azs[:2]
	for i, az := range azs {
		for _, kind := range []struct {
			name string
			cidr string
			list *[]string
		}{
			{"public", fmt.Sprintf("%s.%d.0/24", prefix, i), &st.PublicSubnets},
			{"private", fmt.Sprintf("%s.%d.0/24", prefix, i+10), &st.PrivateSubnets},
		} {
			sn, err := c.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{
				VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(kind.cidr), AvailabilityZone: aws.String(az),
				TagSpecifications: []ec2types.TagSpecification{{
					ResourceType: ec2types.ResourceTypeSubnet,
					Tags:         []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("%s-%s-%s", name, kind.name, az))}},
				}},
			})
			if err != nil {
				return fmt.Errorf("failed to create the %s subnet in %s: %w", kind.name, az, err)
			}
			*kind.list = append(*kind.list, aws.ToString(sn.Subnet.SubnetId))
		}
	}
	return nil
}

func seedNetwork(ctx context.Context, c seedClients, st *Stack, o SeedOptions) error {
	if err := seedNetworkBase(ctx, c, st, "10.20"); err != nil {
		return err
	}
	name := st.Cluster
	vpcID := aws.String(st.VPCID)
	groups := append([]string{"alb"}, ServiceNames...)
	for _, g := range groups {
		sg, err := c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName:   aws.String(name + "-" + g),
			Description: aws.String("ecsflow example stack: " + g),
			VpcId:       vpcID,
		})
		if err != nil {
			return fmt.Errorf("failed to create the security group %s-%s: %w", name, g, err)
		}
		st.SecurityGroups[g] = aws.ToString(sg.GroupId)
	}
	// The ALB takes HTTP and HTTPS from anywhere; open-webui takes its port
	// from the ALB only; the backends take port 80 from open-webui only.
	rules := []struct {
		group string
		port  int32
		cidr  string
		from  string
	}{
		{"alb", 80, "0.0.0.0/0", ""},
		{"alb", 443, "0.0.0.0/0", ""},
		{"open-webui", 8080, "", "alb"},
		{"bedrock-access-gateway", 80, "", "open-webui"},
		{"mcpo", 80, "", "open-webui"},
	}
	for _, r := range rules {
		perm := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(r.port), ToPort: aws.Int32(r.port)}
		if r.cidr != "" {
			perm.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.cidr)}}
		} else {
			perm.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(st.SecurityGroups[r.from])}}
		}
		if _, err := c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: aws.String(st.SecurityGroups[r.group]), IpPermissions: []ec2types.IpPermission{perm},
		}); err != nil {
			return fmt.Errorf("failed to open port %d on %s: %w", r.port, r.group, err)
		}
	}
	return nil
}

func seedLoadBalancer(ctx context.Context, c seedClients, st *Stack, _ SeedOptions) error {
	lb, err := c.elb.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
		Name:           aws.String(st.Cluster),
		Subnets:        st.PublicSubnets,
		SecurityGroups: []string{st.SecurityGroups["alb"]},
		Scheme:         elbtypes.LoadBalancerSchemeEnumInternetFacing,
		Type:           elbtypes.LoadBalancerTypeEnumApplication,
	})
	if err != nil {
		return fmt.Errorf("failed to create the load balancer: %w", err)
	}
	st.LoadBalancerARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	st.LoadBalancerDNS = aws.ToString(lb.LoadBalancers[0].DNSName)
	if err := seedTargetGroups(ctx, c, st); err != nil {
		return err
	}
	httpL, err := c.elb.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(st.LoadBalancerARN),
		Port:            aws.Int32(80),
		Protocol:        elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{
			Type: elbtypes.ActionTypeEnumRedirect,
			RedirectConfig: &elbtypes.RedirectActionConfig{
				Port: aws.String("443"), Protocol: aws.String("HTTPS"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301,
				// AWS fills these in when left out (moto does not); say
				// them, as the Terraform provider does.
				Host: aws.String("#{host}"), Path: aws.String("/#{path}"), Query: aws.String("#{query}"),
			},
		}},
	})
	if err != nil {
		return fmt.Errorf("failed to create the HTTP listener: %w", err)
	}
	st.HTTPListenerARN = aws.ToString(httpL.Listeners[0].ListenerArn)
	certARN, err := seedCertificate(ctx, c, st)
	if err != nil {
		return err
	}
	st.certificateARN = certARN
	httpsL, err := c.elb.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(st.LoadBalancerARN),
		Port:            aws.Int32(443),
		Protocol:        elbtypes.ProtocolEnumHttps,
		SslPolicy:       aws.String("ELBSecurityPolicy-TLS13-1-2-2021-06"),
		Certificates:    []elbtypes.Certificate{{CertificateArn: aws.String(certARN)}},
		DefaultActions: []elbtypes.Action{{
			Type: elbtypes.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbtypes.FixedResponseActionConfig{
				StatusCode: aws.String("404"), ContentType: aws.String("text/plain"), MessageBody: aws.String("not found"),
			},
		}},
	})
	if err != nil {
		return fmt.Errorf("failed to create the HTTPS listener: %w", err)
	}
	st.HTTPSListenerARN = aws.ToString(httpsL.Listeners[0].ListenerArn)
	return seedListenerRule(ctx, c, st)
}

// seedTargetGroups creates open-webui's blue and green target groups.
func seedTargetGroups(ctx context.Context, c seedClients, st *Stack) error {
	for _, color := range []string{"blue", "green"} {
		tg, err := c.elb.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
			Name:                       aws.String(st.Cluster + "-webui-" + color),
			VpcId:                      aws.String(st.VPCID),
			TargetType:                 elbtypes.TargetTypeEnumIp,
			Protocol:                   elbtypes.ProtocolEnumHttp,
			Port:                       aws.Int32(8080),
			HealthCheckEnabled:         aws.Bool(true),
			HealthCheckPath:            aws.String("/health"),
			Matcher:                    &elbtypes.Matcher{HttpCode: aws.String("200")},
			HealthCheckIntervalSeconds: aws.Int32(15),
			HealthCheckTimeoutSeconds:  aws.Int32(5),
			HealthyThresholdCount:      aws.Int32(2),
			UnhealthyThresholdCount:    aws.Int32(3),
		})
		if err != nil {
			return fmt.Errorf("failed to create the %s target group: %w", color, err)
		}
		st.TargetGroups[color] = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	}
	return nil
}

// seedListenerRule forwards the HTTPS listener to the blue target group.
func seedListenerRule(ctx context.Context, c seedClients, st *Stack) error {
	rule, err := c.elb.CreateRule(ctx, &elbv2.CreateRuleInput{
		ListenerArn: aws.String(st.HTTPSListenerARN),
		Priority:    aws.Int32(100),
		Conditions:  []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/*"}}},
		Actions:     []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(st.TargetGroups["blue"])}},
	})
	if err == nil {
		st.ListenerRuleARN = aws.ToString(rule.Rules[0].RuleArn)
		return nil
	}
	// A retried CreateRule whose first attempt got through finds its own
	// rule in the way; that rule is the one we wanted.
	var api interface{ ErrorCode() string }
	if !errors.As(err, &api) || api.ErrorCode() != "PriorityInUse" {
		return fmt.Errorf("failed to create the listener rule: %w", err)
	}
	rules, derr := c.elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: aws.String(st.HTTPSListenerARN)})
	if derr != nil {
		return fmt.Errorf("failed to create the listener rule: %w (and to list the rules: %v)", err, derr)
	}
	for _, r := range rules.Rules {
		if aws.ToString(r.Priority) == "100" {
			st.ListenerRuleARN = aws.ToString(r.RuleArn)
			return nil
		}
	}
	return fmt.Errorf("failed to create the listener rule: %w", err)
}

func seedState(ctx context.Context, c seedClients, st *Stack, _ SeedOptions) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(st.StateBucket)}
	if st.Region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(st.Region)}
	}
	if _, err := c.s3.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("failed to create the state bucket %s: %w", st.StateBucket, err)
	}
	if _, err := c.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(st.StateBucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	}); err != nil {
		return fmt.Errorf("failed to turn on versioning of %s: %w", st.StateBucket, err)
	}
	// A stack seeded by SeedStack may have no lock table (its backend names
	// none) and no ledger table.
	if st.LockTable != "" {
		if _, err := c.ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String(st.LockTable),
			BillingMode:          ddbtypes.BillingModePayPerRequest,
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("LockID"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("LockID"), KeyType: ddbtypes.KeyTypeHash}},
		}); err != nil && !alreadyExists(err) {
			return fmt.Errorf("failed to create the lock table %s: %w", st.LockTable, err)
		}
	}
	if st.LedgerTable == "" {
		return nil
	}
	if _, err := c.ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(st.LedgerTable),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String(LedgerPartitionKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String(LedgerSortKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(LedgerPartitionKey), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(LedgerSortKey), KeyType: ddbtypes.KeyTypeRange},
		},
	}); err != nil && !alreadyExists(err) {
		return fmt.Errorf("failed to create the ledger table %s: %w", st.LedgerTable, err)
	}
	return nil
}

func seedIAM(ctx context.Context, c seedClients, st *Stack, _ SeedOptions) error {
	suffix := ""
	if st.Region != DefaultRegion {
		suffix = "-" + st.Region // IAM is global; keep another region's roles apart
	}
	ecsTasks := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	roles := append([]string{st.Cluster + "-ecs-execution"}, func() []string {
		var out []string
		for _, svc := range ServiceNames {
			out = append(out, st.Cluster+"-"+svc+"-task")
		}
		return out
	}()...)
	for i, name := range roles {
		name += suffix
		arn := "arn:aws:iam::" + AccountID + ":role/" + name
		_, err := c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ecsTasks)})
		if err != nil && !alreadyExists(err) {
			return fmt.Errorf("failed to create the role %s: %w", name, err)
		}
		if i == 0 {
			st.ExecutionRoleARN = arn
		}
	}
	// ECS's blue/green, canary and linear deployments shift the listener
	// rule with this role (the example's aws_iam_role.ecs_infrastructure).
	name := st.Cluster + "-ecs-infrastructure" + suffix
	ecsService := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ecsService)}); err != nil && !alreadyExists(err) {
		return fmt.Errorf("failed to create the role %s: %w", name, err)
	}
	st.InfrastructureRoleARN = "arn:aws:iam::" + AccountID + ":role/" + name
	return nil
}

func seedPerService(ctx context.Context, c seedClients, st *Stack, _ SeedOptions) error {
	for _, svc := range ServiceNames {
		repoName := st.Project + "/" + svc
		repo, err := c.ecr.CreateRepository(ctx, &ecr.CreateRepositoryInput{
			RepositoryName:             aws.String(repoName),
			ImageTagMutability:         ecrtypes.ImageTagMutabilityImmutable,
			ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true},
		})
		var repoURI string
		switch {
		case err == nil:
			repoURI = aws.ToString(repo.Repository.RepositoryUri)
		case errorCode(err) == "RepositoryAlreadyExistsException":
			// Another environment of the project seeded in the same region
			// (on AWS each environment has its own account).
			got, derr := c.ecr.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{repoName}})
			if derr != nil || len(got.Repositories) == 0 {
				return fmt.Errorf("failed to create the repository %s: %w", repoName, err)
			}
			repoURI = aws.ToString(got.Repositories[0].RepositoryUri)
		default:
			return fmt.Errorf("failed to create the repository %s: %w", repoName, err)
		}
		logGroup := "/ecs/" + st.Cluster + "/" + svc
		if _, err := c.logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(logGroup)}); err != nil {
			return fmt.Errorf("failed to create the log group %s: %w", logGroup, err)
		}
		if _, err := c.logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(logGroup), RetentionInDays: aws.Int32(30)}); err != nil {
			return fmt.Errorf("failed to set the retention of %s: %w", logGroup, err)
		}
		alarms := serviceAlarms(st, svc)
		var names, deploy []string
		for i := range alarms {
			if _, err := c.cw.PutMetricAlarm(ctx, &alarms[i].in); err != nil {
				return fmt.Errorf("failed to create the alarm %s: %w", aws.ToString(alarms[i].in.AlarmName), err)
			}
			names = append(names, aws.ToString(alarms[i].in.AlarmName))
			if alarms[i].deployment {
				deploy = append(deploy, aws.ToString(alarms[i].in.AlarmName))
			}
		}
		st.Services = append(st.Services, Service{
			Name: svc, Repository: repoName, RepositoryURI: repoURI,
			LogGroup: logGroup, Alarms: names, DeploymentAlarms: deploy, Port: servicePort(svc),
		})
	}
	return nil
}

type alarm struct {
	in         cloudwatch.PutMetricAlarmInput
	deployment bool
}

// serviceAlarms mirrors examples/open-webui/terraform/monitoring.tf: an
// application-error alarm (a deployment alarm), CPU, memory and running
// tasks per service, and 5xx, unhealthy hosts and latency for open-webui.
func serviceAlarms(st *Stack, svc string) []alarm {
	prefix := st.Cluster + "-" + svc + "-"
	dims := []cwtypes.Dimension{
		{Name: aws.String("ClusterName"), Value: aws.String(st.Cluster)},
		{Name: aws.String("ServiceName"), Value: aws.String(svc)},
	}
	simple := func(name, desc, ns, metric string, stat cwtypes.Statistic, periods int32, threshold float64, op cwtypes.ComparisonOperator, missing string, dims []cwtypes.Dimension) cloudwatch.PutMetricAlarmInput {
		return cloudwatch.PutMetricAlarmInput{
			AlarmName: aws.String(name), AlarmDescription: aws.String(desc),
			Namespace: aws.String(ns), MetricName: aws.String(metric), Dimensions: dims,
			Statistic: stat, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(periods),
			Threshold: aws.Float64(threshold), ComparisonOperator: op, TreatMissingData: aws.String(missing),
		}
	}
	out := []alarm{
		{in: simple(prefix+"errors", svc+" logs more than 10 errors a minute for 3 minutes.", st.Project+"/"+st.Environment, "ApplicationErrors",
			cwtypes.StatisticSum, 3, 10, cwtypes.ComparisonOperatorGreaterThanThreshold, "notBreaching", nil), deployment: true},
		{in: simple(prefix+"cpu-high", svc+" CPU above 85 % for 10 minutes.", "AWS/ECS", "CPUUtilization",
			cwtypes.StatisticAverage, 10, 85, cwtypes.ComparisonOperatorGreaterThanThreshold, "missing", dims)},
		{in: simple(prefix+"memory-high", svc+" memory above 85 % for 10 minutes.", "AWS/ECS", "MemoryUtilization",
			cwtypes.StatisticAverage, 10, 85, cwtypes.ComparisonOperatorGreaterThanThreshold, "missing", dims)},
		{in: simple(prefix+"running-tasks-low", svc+" runs fewer than 1 task for 5 minutes.", "ECS/ContainerInsights", "RunningTaskCount",
			cwtypes.StatisticMinimum, 5, 1, cwtypes.ComparisonOperatorLessThanThreshold, "breaching", dims)},
	}
	if svc != "open-webui" {
		return out
	}
	lb := []cwtypes.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(lbDimension(st.LoadBalancerARN))}}
	unhealthyDims := append(append([]cwtypes.Dimension{}, lb...),
		cwtypes.Dimension{Name: aws.String("TargetGroup"), Value: aws.String(tgDimension(st.TargetGroups["blue"]))})
	latency := simple(prefix+"latency-p95", "open-webui p95 response time above 3 s for 5 minutes.", "AWS/ApplicationELB", "TargetResponseTime",
		"", 5, 3, cwtypes.ComparisonOperatorGreaterThanThreshold, "notBreaching", lb)
	latency.ExtendedStatistic = aws.String("p95")
	return append(out,
		alarm{in: simple(prefix+"5xx", "open-webui answers 5xx through the load balancer for 3 minutes.", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count",
			cwtypes.StatisticSum, 3, 5, cwtypes.ComparisonOperatorGreaterThanThreshold, "notBreaching", lb), deployment: true},
		alarm{in: simple(prefix+"unhealthy-hosts", "open-webui has unhealthy targets for 3 minutes.", "AWS/ApplicationELB", "UnHealthyHostCount",
			cwtypes.StatisticMaximum, 3, 0, cwtypes.ComparisonOperatorGreaterThanThreshold, "notBreaching", unhealthyDims), deployment: true},
		alarm{in: latency},
	)
}

// tgDimension turns a target group ARN into CloudWatch's TargetGroup
// dimension ("targetgroup/name/id").
func tgDimension(arn string) string {
	if i := strings.Index(arn, "targetgroup/"); i >= 0 {
		return arn[i:]
	}
	return arn
}

// lbDimension turns an ALB ARN into CloudWatch's LoadBalancer dimension
// ("app/name/id").
func lbDimension(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":loadbalancer/"); ok {
		return rest
	}
	return arn
}

func servicePort(svc string) int32 {
	if svc == "open-webui" {
		return 8080
	}
	return 80
}

func seedECS(ctx context.Context, c seedClients, st *Stack, o SeedOptions) error {
	cl, err := c.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{
		ClusterName:       aws.String(st.Cluster),
		CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"},
		Settings:          []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String("enhanced")}},
		Tags:              []ecstypes.Tag{{Key: aws.String("Environment"), Value: aws.String(st.Environment)}},
	})
	if err != nil {
		return fmt.Errorf("failed to create the cluster: %w", err)
	}
	st.ClusterARN = aws.ToString(cl.Cluster.ClusterArn)
	for i := range st.Services {
		svc := &st.Services[i]
		td, src, err := loadTaskDefinition(o.TaskDefinitionsDir, svc.Name)
		if err != nil {
			return err
		}
		if src == "built-in" {
			td.Family = aws.String(st.Cluster + "-" + svc.Name)
		}
		prepareTaskDefinition(td, st, *svc)
		reg, err := c.ecs.RegisterTaskDefinition(ctx, td)
		if err != nil {
			return fmt.Errorf("failed to register the task definition of %s (from %s): %w", svc.Name, src, err)
		}
		svc.Family = aws.ToString(reg.TaskDefinition.Family)
		svc.TaskDefinitionARN = aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
		svc.TaskDefinitionSource = src
		st.taskDefs[svc.Name] = reg.TaskDefinition
		st.taskDefTags[svc.Name] = td.Tags
		in := serviceInput(st, svc, o)
		out, err := c.ecs.CreateService(ctx, in)
		if err != nil {
			return fmt.Errorf("failed to create the service %s: %w", svc.Name, err)
		}
		svc.ARN = aws.ToString(out.Service.ServiceArn)
		if c.simulated {
			continue
		}
		// moto (without the simulator) drops the deployment configuration
		// given to CreateService but keeps one given to UpdateService: set
		// it again so DescribeServices shows the circuit breaker and alarms
		// as AWS would.
		if _, err := c.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{
			Cluster: aws.String(st.Cluster), Service: aws.String(svc.Name),
			DeploymentConfiguration: in.DeploymentConfiguration,
		}); err != nil {
			return fmt.Errorf("failed to set the deployment configuration of %s: %w", svc.Name, err)
		}
	}
	return nil
}

// serviceInput is the CreateService call for one of the stack's services,
// configured as the example's ecs.tf configures it.
func serviceInput(st *Stack, svc *Service, o SeedOptions) *ecs.CreateServiceInput {
	in := &ecs.CreateServiceInput{
		Cluster:        aws.String(st.Cluster),
		ServiceName:    aws.String(svc.Name),
		TaskDefinition: aws.String(svc.TaskDefinitionARN),
		DesiredCount:   aws.Int32(o.DesiredCount),
		LaunchType:     ecstypes.LaunchTypeFargate,
		PropagateTags:  ecstypes.PropagateTagsService,
		DeploymentController: &ecstypes.DeploymentController{
			Type: ecstypes.DeploymentControllerTypeEcs,
		},
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{
			MinimumHealthyPercent:    aws.Int32(100),
			MaximumPercent:           aws.Int32(200),
			DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: true, Rollback: true},
			Alarms:                   &ecstypes.DeploymentAlarms{AlarmNames: svc.DeploymentAlarms, Enable: true, Rollback: true},
			Strategy:                 ecstypes.DeploymentStrategyRolling,
		},
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets:        st.PrivateSubnets,
			SecurityGroups: []string{st.SecurityGroups[svc.Name]},
			AssignPublicIp: ecstypes.AssignPublicIpDisabled,
		}},
		Tags: []ecstypes.Tag{{Key: aws.String("Environment"), Value: aws.String(st.Environment)}},
	}
	if svc.Name == "open-webui" {
		// advancedConfiguration, as the example's ecs.tf gives it: the
		// service behind the ALB may be deployed blue/green, canary or
		// linear; the others have no load balancer and only roll.
		in.LoadBalancers = []ecstypes.LoadBalancer{{
			TargetGroupArn: aws.String(st.TargetGroups["blue"]),
			ContainerName:  aws.String(svc.Name),
			ContainerPort:  aws.Int32(svc.Port),
			AdvancedConfiguration: &ecstypes.AdvancedConfiguration{
				AlternateTargetGroupArn: aws.String(st.TargetGroups["green"]),
				ProductionListenerRule:  aws.String(st.ListenerRuleARN),
				RoleArn:                 aws.String(st.InfrastructureRoleARN),
			},
		}}
		in.HealthCheckGracePeriodSeconds = aws.Int32(60)
	}
	return in
}

// loadTaskDefinition reads <dir>/<service>.json, or the built-in definition
// when dir is empty or lacks the file.
func loadTaskDefinition(dir, svc string) (*ecs.RegisterTaskDefinitionInput, string, error) {
	var data []byte
	src := "built-in"
	if dir != "" {
		p := filepath.Join(dir, svc+".json")
		b, err := os.ReadFile(p)
		switch {
		case err == nil:
			data, src = b, p
		case !errors.Is(err, fs.ErrNotExist):
			return nil, "", fmt.Errorf("failed to read the task definition %s: %w", p, err)
		}
	}
	if data == nil {
		b, err := embeddedTaskDefs.ReadFile("taskdefs/" + svc + ".json")
		if err != nil {
			return nil, "", fmt.Errorf("no built-in task definition for %s: %w", svc, err)
		}
		data = b
	}
	td, err := ParseTaskDefinition(data)
	if err != nil {
		return nil, "", fmt.Errorf("task definition %s: %w", src, err)
	}
	return td, src, nil
}

// ParseTaskDefinition reads a task definition in the JSON form that
// `aws ecs register-task-definition --cli-input-json` takes (camelCase keys;
// read-only fields DescribeTaskDefinition adds, such as taskDefinitionArn or
// revision, are ignored). A document wrapped as {"taskDefinition": {...}}
// is accepted too.
func ParseTaskDefinition(data []byte) (*ecs.RegisterTaskDefinitionInput, error) {
	var wrapped struct {
		TaskDefinition json.RawMessage `json:"taskDefinition"`
	}
	if err := json.Unmarshal(data, &wrapped); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if len(wrapped.TaskDefinition) > 0 {
		data = wrapped.TaskDefinition
	}
	// encoding/json matches keys to the SDK's field names without regard to
	// case, which is exactly the camelCase wire form.
	var td ecs.RegisterTaskDefinitionInput
	if err := json.Unmarshal(data, &td); err != nil {
		return nil, fmt.Errorf("not a task definition: %w", err)
	}
	if aws.ToString(td.Family) == "" || len(td.ContainerDefinitions) == 0 {
		return nil, errors.New("a task definition needs a family and at least one container definition")
	}
	return &td, nil
}

// prepareTaskDefinition fills in what the sandbox must decide: the
// execution role, the account's repository URI for placeholder images, the
// log group, and a per-container memory reservation (moto's RunTask fails
// on Fargate when only the task has a memory size).
func prepareTaskDefinition(td *ecs.RegisterTaskDefinitionInput, st *Stack, svc Service) {
	if td.ExecutionRoleArn == nil || strings.Contains(aws.ToString(td.ExecutionRoleArn), "${") {
		td.ExecutionRoleArn = aws.String(st.ExecutionRoleARN)
	}
	if aws.ToString(td.TaskRoleArn) != "" && strings.Contains(aws.ToString(td.TaskRoleArn), "${") {
		td.TaskRoleArn = nil
	}
	n := int32(len(td.ContainerDefinitions))
	taskMem := int32(0)
	fmt.Sscan(aws.ToString(td.Memory), &taskMem)
	for i := range td.ContainerDefinitions {
		cd := &td.ContainerDefinitions[i]
		img := aws.ToString(cd.Image)
		if img == "" || strings.Contains(img, "${") || strings.Contains(img, "<") {
			cd.Image = aws.String(svc.RepositoryURI + ":initial")
		}
		if cd.Memory == nil && cd.MemoryReservation == nil && taskMem > 0 {
			cd.MemoryReservation = aws.Int32(taskMem / n)
		}
		if lc := cd.LogConfiguration; lc != nil && lc.LogDriver == ecstypes.LogDriverAwslogs {
			if lc.Options == nil {
				lc.Options = map[string]string{}
			}
			if g := lc.Options["awslogs-group"]; g == "" || strings.Contains(g, "${") {
				lc.Options["awslogs-group"] = svc.LogGroup
			}
			lc.Options["awslogs-region"] = st.Region
		}
	}
	td.Tags = append(td.Tags, ecstypes.Tag{Key: aws.String("Environment"), Value: aws.String(st.Environment)})
	sort.SliceStable(td.Tags, func(i, j int) bool { return aws.ToString(td.Tags[i].Key) < aws.ToString(td.Tags[j].Key) })
}

// seedCertificate uploads a self-signed server certificate to IAM for the
// HTTPS listener (an ACM certificate in a real account; ELBv2 accepts both).
func seedCertificate(ctx context.Context, c seedClients, st *Stack) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	host := st.Cluster + ".example.internal"
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", err
	}
	name := st.Cluster + "-" + st.Region
	out, err := c.iam.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String(name),
		CertificateBody:       aws.String(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))),
		PrivateKey:            aws.String(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))),
	})
	if err != nil {
		return "", fmt.Errorf("failed to upload the server certificate %s: %w", name, err)
	}
	return aws.ToString(out.ServerCertificateMetadata.Arn), nil
}

// alreadyExists reports whether err says the resource exists (another
// environment seeded in the same region shares the lock and ledger tables
// and the IAM role).
func alreadyExists(err error) bool {
	switch errorCode(err) {
	case "EntityAlreadyExists", "ResourceInUseException":
		return true
	}
	return false
}

func errorCode(err error) string {
	var api interface{ ErrorCode() string }
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// waitSteady checks that every seeded service runs its desired count on one
// completed deployment.
func waitSteady(ctx context.Context, client *ecs.Client, st *Stack) error {
	names := make([]string, 0, len(st.Services))
	for _, s := range st.Services {
		names = append(names, s.Name)
	}
	out, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(st.Cluster), Services: names})
	if err != nil {
		return fmt.Errorf("failed to describe the seeded services: %w", err)
	}
	for _, svc := range out.Services {
		if len(svc.Deployments) != 1 || svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted || svc.RunningCount != svc.DesiredCount {
			return fmt.Errorf("seeded service %s did not reach a steady state (%d of %d tasks running)", aws.ToString(svc.ServiceName), svc.RunningCount, svc.DesiredCount)
		}
	}
	return nil
}
