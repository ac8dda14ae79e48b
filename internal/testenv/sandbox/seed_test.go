package sandbox_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/s3client"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

func TestSeedCreatesTheExampleStack(t *testing.T) {
	t.Parallel()
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		t.Run(region, func(t *testing.T) {
			t.Parallel()
			sb, st := sandboxtest.SeededRegion(t, region)
			checkStack(t, sb, st, region)
		})
	}
}

func checkStack(t *testing.T, sb *sandbox.Sandbox, st *sandbox.Stack, region string) {
	ctx := context.Background()
	cfg := sandboxtest.Config(t, region)
	require.Equal(t, region, st.Region)
	vars := st.Vars()
	assert.Equal(t, "ecsflow-dev", vars["ECSFLOW_CLUSTER"])
	assert.Equal(t, "bedrock-access-gateway\nmcpo\nopen-webui", vars["ECSFLOW_SERVICES"])
	assert.Equal(t, "ecsflow/open-webui", vars["ECSFLOW_REPOSITORY_OPEN_WEBUI"])
	assert.Equal(t, st.LedgerTable, vars["ECSFLOW_LEDGER_TABLE"])
	assert.Equal(t, "ecsflow-dev", st.Cluster)

	// ECS: the cluster and the three services with their task definitions.
	ecsc := ecs.NewFromConfig(cfg)
	ds, err := ecsc.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(st.Cluster), Services: sandbox.ServiceNames})
	require.NoError(t, err)
	require.Len(t, ds.Services, 3)
	sizes := map[string][2]string{"open-webui": {"2048", "4096"}, "bedrock-access-gateway": {"512", "1024"}, "mcpo": {"512", "1024"}}
	for _, svc := range ds.Services {
		name := aws.ToString(svc.ServiceName)
		want, ok := st.Service(name)
		require.True(t, ok, name)
		assert.Equal(t, want.ARN, aws.ToString(svc.ServiceArn))
		assert.EqualValues(t, 2, svc.DesiredCount)
		assert.EqualValues(t, 2, svc.RunningCount, "the simulator brought the service to a steady state")
		require.Len(t, svc.Deployments, 1)
		assert.Equal(t, ecstypes.DeploymentRolloutStateCompleted, svc.Deployments[0].RolloutState)
		assert.Equal(t, ecstypes.LaunchTypeFargate, svc.LaunchType)
		require.NotNil(t, svc.DeploymentConfiguration.DeploymentCircuitBreaker)
		assert.True(t, svc.DeploymentConfiguration.DeploymentCircuitBreaker.Rollback)
		require.NotNil(t, svc.DeploymentConfiguration.Alarms)
		assert.Equal(t, want.DeploymentAlarms, svc.DeploymentConfiguration.Alarms.AlarmNames)
		td, err := ecsc.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition})
		require.NoError(t, err)
		assert.Equal(t, want.TaskDefinitionARN, aws.ToString(td.TaskDefinition.TaskDefinitionArn))
		assert.Equal(t, sizes[name][0], aws.ToString(td.TaskDefinition.Cpu), name)
		assert.Equal(t, sizes[name][1], aws.ToString(td.TaskDefinition.Memory), name)
		c := td.TaskDefinition.ContainerDefinitions[0]
		assert.Equal(t, name, aws.ToString(c.Name))
		assert.Equal(t, want.Port, aws.ToInt32(c.PortMappings[0].ContainerPort))
		assert.True(t, c.Memory != nil || c.MemoryReservation != nil, "moto needs memory per container")
		assert.Equal(t, want.LogGroup, c.LogConfiguration.Options["awslogs-group"])
		if name == "open-webui" {
			require.Len(t, svc.LoadBalancers, 1)
			assert.Equal(t, st.TargetGroups["blue"], aws.ToString(svc.LoadBalancers[0].TargetGroupArn))
			assert.Equal(t, ecstypes.CPUArchitectureArm64, td.TaskDefinition.RuntimePlatform.CpuArchitecture)
		} else {
			assert.Empty(t, svc.LoadBalancers)
		}
	}

	// ECR: immutable tags, scan on push.
	var repoNames []string
	for _, s := range st.Services {
		repoNames = append(repoNames, s.Repository)
		assert.Equal(t, "ecsflow/"+s.Name, s.Repository)
	}
	repos, err := ecr.NewFromConfig(cfg).DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: repoNames})
	require.NoError(t, err)
	require.Len(t, repos.Repositories, 3)
	for _, r := range repos.Repositories {
		assert.Equal(t, ecrtypes.ImageTagMutabilityImmutable, r.ImageTagMutability)
		assert.True(t, r.ImageScanningConfiguration.ScanOnPush)
	}

	// Load balancer: two target groups, the HTTPS rule forwards to blue.
	elb := elbv2.NewFromConfig(cfg)
	tgs, err := elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{st.TargetGroups["blue"], st.TargetGroups["green"]}})
	require.NoError(t, err)
	assert.Len(t, tgs.TargetGroups, 2)
	rules, err := elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{st.ListenerRuleARN}})
	require.NoError(t, err)
	require.Len(t, rules.Rules, 1)
	assert.Equal(t, st.TargetGroups["blue"], aws.ToString(rules.Rules[0].Actions[0].TargetGroupArn))

	// Log groups and alarms per service.
	lg, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/" + st.Cluster + "/")})
	require.NoError(t, err)
	assert.Len(t, lg.LogGroups, 3)
	var alarmNames []string
	for _, s := range st.Services {
		assert.NotEmpty(t, s.Alarms, s.Name)
		alarmNames = append(alarmNames, s.Alarms...)
	}
	al, err := cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(sb.Getenv)...).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: alarmNames})
	require.NoError(t, err)
	assert.Len(t, al.MetricAlarms, len(alarmNames))

	// State bucket, lock table and ledger table.
	_, err = s3.NewFromConfig(cfg, s3client.Options(sb.Getenv)...).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(st.StateBucket)})
	require.NoError(t, err)
	ddb := dynamodb.NewFromConfig(cfg)
	for _, table := range []string{st.LockTable, st.LedgerTable} {
		_, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		require.NoError(t, err, table)
	}
}

// Two environments of the project can live in one region of the sandbox.
func TestSeedTwoEnvironmentsInOneRegion(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t)
	ctx := context.Background()
	const region = "eu-south-1"
	dev, err := sb.Seed(ctx, sandbox.SeedOptions{Region: region})
	require.NoError(t, err)
	prod, err := sb.Seed(ctx, sandbox.SeedOptions{Region: region, Environment: "prod", DesiredCount: 3})
	require.NoError(t, err)
	assert.Equal(t, "ecsflow-prod", prod.Cluster)
	assert.NotEqual(t, dev.StateBucket, prod.StateBucket)
	devSvc, _ := dev.Service("mcpo")
	prodSvc, _ := prod.Service("mcpo")
	assert.Equal(t, devSvc.RepositoryURI, prodSvc.RepositoryURI, "one registry per account; both share it here")
	out, err := ecs.NewFromConfig(sandboxtest.Config(t, region)).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(prod.Cluster), Services: []string{"mcpo"}})
	require.NoError(t, err)
	require.Len(t, out.Services, 1)
	assert.EqualValues(t, 3, out.Services[0].RunningCount)
}
