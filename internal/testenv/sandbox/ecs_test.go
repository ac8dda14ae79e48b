package sandbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// newRevision registers a copy of the service's task definition with image
// and returns its ARN.
func newRevision(t *testing.T, ctx context.Context, c *ecs.Client, svc sandbox.Service, image string) string {
	t.Helper()
	cur, err := c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(svc.TaskDefinitionARN)})
	require.NoError(t, err)
	td := cur.TaskDefinition
	td.ContainerDefinitions[0].Image = aws.String(image)
	reg, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: td.Family, ContainerDefinitions: td.ContainerDefinitions, Cpu: td.Cpu, Memory: td.Memory,
		NetworkMode: td.NetworkMode, RequiresCompatibilities: td.RequiresCompatibilities,
		ExecutionRoleArn: td.ExecutionRoleArn, RuntimePlatform: td.RuntimePlatform, Volumes: td.Volumes,
	})
	require.NoError(t, err)
	return aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
}

func primary(t *testing.T, ctx context.Context, c *ecs.Client, st *sandbox.Stack, name string) ecstypes.Service {
	t.Helper()
	out, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(st.Cluster), Services: []string{name}})
	require.NoError(t, err)
	require.Len(t, out.Services, 1)
	return out.Services[0]
}

// Through the sandbox endpoint an ECS deployment progresses (moto alone
// would leave it IN_PROGRESS forever) and completes on the new revision.
func TestECSDeploymentsProgressInTheSandbox(t *testing.T) {
	t.Parallel()
	const region = "us-west-2"
	sb, st := sandboxtest.SeededRegion(t, region)
	ctx := context.Background()
	c := ecs.NewFromConfig(sandboxtest.Config(t, region))
	svc, _ := st.Service("mcpo")
	arn := newRevision(t, ctx, c, svc, svc.RepositoryURI+":v2")
	_, err := c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(st.Cluster), Service: aws.String("mcpo"), TaskDefinition: aws.String(arn)})
	require.NoError(t, err)
	// reads lag behind the update (eventual consistency) for at most 3 s
	sb.ECS(region).Advance(3 * time.Second)
	s := primary(t, ctx, c, st, "mcpo")
	require.Len(t, s.Deployments, 2, "the new deployment runs beside the old one")
	assert.Equal(t, ecstypes.DeploymentRolloutStateInProgress, s.Deployments[0].RolloutState)

	sb.ECS(region).Advance(5 * time.Minute)
	s = primary(t, ctx, c, st, "mcpo")
	require.Len(t, s.Deployments, 1)
	assert.Equal(t, ecstypes.DeploymentRolloutStateCompleted, s.Deployments[0].RolloutState)
	assert.Equal(t, arn, aws.ToString(s.TaskDefinition))
	assert.EqualValues(t, 2, s.RunningCount)

	// Other regions have their own simulator and do not see this service.
	other := ecs.NewFromConfig(sandboxtest.Config(t, "sa-east-1"))
	ds, err := other.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(st.Cluster), Services: []string{"mcpo"}})
	if err == nil {
		assert.Empty(t, ds.Services)
	}
}

// A deployment alarm set to ALARM in CloudWatch (moto) fails the deployment
// and ECS rolls back, as on AWS.
func TestECSDeploymentAlarmFromCloudWatchRollsBack(t *testing.T) {
	t.Parallel()
	const region = "eu-central-1"
	sb, st := sandboxtest.SeededRegion(t, region)
	ctx := context.Background()
	cfg := sandboxtest.Config(t, region)
	c := ecs.NewFromConfig(cfg)
	svc, _ := st.Service("bedrock-access-gateway")
	old := svc.TaskDefinitionARN
	arn := newRevision(t, ctx, c, svc, svc.RepositoryURI+":bad")
	_, err := c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(st.Cluster), Service: aws.String(svc.Name), TaskDefinition: aws.String(arn)})
	require.NoError(t, err)

	cw := cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(sb.Getenv)...)
	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{
		AlarmName: aws.String(svc.DeploymentAlarms[0]), StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("test"),
	})
	require.NoError(t, err)
	sim := sb.ECS(region)
	for range 10 {
		sim.Advance(time.Minute)
		primary(t, ctx, c, st, svc.Name) // each call lets the simulator read the alarm
	}
	s := primary(t, ctx, c, st, svc.Name)
	assert.Equal(t, old, aws.ToString(s.TaskDefinition), "rolled back to the previous revision")
	alarmEvent := false
	for _, e := range s.Events {
		alarmEvent = alarmEvent || strings.HasSuffix(aws.ToString(e.Message), "deployment failed: alarm detected.")
	}
	assert.True(t, alarmEvent, "the service events say why: %+v", s.Events)
}

// ECS writes reach moto too, so moto's other services that look ECS
// resources up (Application Auto Scaling) accept the simulator's services.
func TestECSWritesAreMirroredToMoto(t *testing.T) {
	t.Parallel()
	const region = "ap-northeast-1"
	_, st := sandboxtest.SeededRegion(t, region)
	cfg := sandboxtest.Config(t, region)
	ctx := context.Background()
	aas := applicationautoscaling.NewFromConfig(cfg)
	_, err := aas.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace:  aastypes.ServiceNamespaceEcs,
		ResourceId:        aws.String("service/" + st.Cluster + "/open-webui"),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		MinCapacity:       aws.Int32(1),
		MaxCapacity:       aws.Int32(4),
	})
	require.NoError(t, err)
	out, err := aas.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	require.NoError(t, err)
	require.Len(t, out.ScalableTargets, 1)
	assert.EqualValues(t, 4, aws.ToInt32(out.ScalableTargets[0].MaxCapacity))
}

// The sandbox answers DescribeServiceRevisions from the simulator: the
// revision a seeded service's deployment targets runs its task definition.
func TestECSServesServiceRevisions(t *testing.T) {
	t.Parallel()
	const region = "ap-northeast-1"
	_, st := sandboxtest.SeededRegion(t, region)
	c := ecs.NewFromConfig(sandboxtest.Config(t, region))
	ctx := context.Background()
	svc := st.Services[0]
	list, err := c.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String(st.Cluster), Service: aws.String(svc.Name)})
	require.NoError(t, err)
	require.NotEmpty(t, list.ServiceDeployments)
	rev := aws.ToString(list.ServiceDeployments[0].TargetServiceRevisionArn)
	unknown := "arn:aws:ecs:" + region + ":123456789012:service-revision/c/s/1"
	out, err := c.DescribeServiceRevisions(ctx, &ecs.DescribeServiceRevisionsInput{ServiceRevisionArns: []string{rev, unknown}})
	require.NoError(t, err)
	require.Len(t, out.ServiceRevisions, 1)
	assert.Equal(t, svc.TaskDefinitionARN, aws.ToString(out.ServiceRevisions[0].TaskDefinition))
	require.Len(t, out.Failures, 1)
	assert.Equal(t, unknown, aws.ToString(out.Failures[0].Arn))
	assert.Equal(t, "MISSING", aws.ToString(out.Failures[0].Reason))
}
