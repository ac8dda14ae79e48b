package deploy

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsflow/ecsflow/internal/clock"
	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/taskdef"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

// cloudWatchOnMoto returns a real CloudWatch client on the sandbox, speaking
// the protocol moto understands (cloudwatchclient.Options).
func cloudWatchOnMoto(t *testing.T, region string) *cloudwatch.Client {
	sb := sandboxtest.Start(t)
	cfg := sandboxtest.Config(t, region)
	return cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(sb.Getenv)...)
}

// Alarm gates against moto's CloudWatch: missing alarms are found before any
// change, and an alarm set to ALARM fails the gate.
func TestAlarmGateOnMoto(t *testing.T) {
	t.Parallel()
	cw := cloudWatchOnMoto(t, "ap-south-1")
	ctx := context.Background()
	for _, n := range []string{"web-5xx", "web-latency"} {
		_, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
			AlarmName: aws.String(n), Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"),
			Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(10),
			ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
		})
		require.NoError(t, err)
	}
	missing, err := MissingAlarms(ctx, cw, []string{"web-5xx", "nope", "web-latency"})
	require.NoError(t, err)
	assert.Equal(t, []string{"nope"}, missing)

	e := &Engine{CloudWatch: cw, Clock: clock.Wall{}}
	st := &gateState{}
	v, reason := e.checkGates(ctx, Gates{Alarms: []string{"web-5xx", "web-latency"}}, st, time.Now())
	assert.Equal(t, pass, v, reason)
	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("web-latency"), StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("test")})
	require.NoError(t, err)
	v, reason = e.checkGates(ctx, Gates{Alarms: []string{"web-5xx", "web-latency"}}, st, time.Now())
	assert.Equal(t, fail, v)
	assert.Equal(t, "CloudWatch alarm web-latency is in ALARM", reason)
}

// Metric gates against moto's GetMetricData: the new series is compared with
// its threshold and with the old series.
func TestMetricGateOnMoto(t *testing.T) {
	t.Parallel()
	cw := cloudWatchOnMoto(t, "ap-southeast-2")
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	put := func(tg string, v float64) {
		_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/ApplicationELB"), MetricData: []cwtypes.MetricDatum{{
			MetricName: aws.String("TargetResponseTime"), Value: aws.Float64(v), Timestamp: aws.Time(now.Add(-30 * time.Second)),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("TargetGroup"), Value: aws.String(tg)}},
		}}})
		require.NoError(t, err)
	}
	put("targetgroup/green/1", 0.9)
	put("targetgroup/blue/1", 0.3)
	e := &Engine{CloudWatch: cw, Clock: clock.Wall{}}
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		name string
		gate MetricGate
		want verdict
		why  string
	}{
		{"under max", MetricGate{Name: "latency", Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime", Stat: "Average",
			Dimensions: map[string]string{"TargetGroup": "targetgroup/green/1"}, Max: f(2)}, pass, ""},
		{"over max", MetricGate{Name: "latency", Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime", Stat: "Average",
			Dimensions: map[string]string{"TargetGroup": "targetgroup/green/1"}, Max: f(0.5)}, fail, "is above the maximum 0.5"},
		{"worse than old", MetricGate{Name: "latency", Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime", Stat: "Average",
			Dimensions: map[string]string{"TargetGroup": "targetgroup/green/1"}, BaselineDimensions: map[string]string{"TargetGroup": "targetgroup/blue/1"},
			MaxIncreasePercent: f(50)}, fail, "new revision 0.9 vs old 0.3 (+200%) exceeds +50%"},
		{"no data yet", MetricGate{Name: "errors", Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime",
			Dimensions: map[string]string{"TargetGroup": "targetgroup/none/1"}, Max: f(0)}, pending, ""},
	}
	for _, tc := range cases {
		v, why := e.checkMetric(ctx, tc.gate, now.Add(-5*time.Minute))
		assert.Equal(t, tc.want, v, tc.name+": "+why)
		assert.Contains(t, why, tc.why, tc.name)
	}
}

// Target health through the real ELBv2 client on moto: healthy targets are
// not reported as a failure reason.
func TestTargetHealthOnMoto(t *testing.T) {
	t.Parallel()
	sandboxtest.Start(t)
	cfg := sandboxtest.Config(t, "sa-east-1")
	ctx := context.Background()
	vpc, err := ec2.NewFromConfig(cfg).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	require.NoError(t, err)
	elb := elbv2.NewFromConfig(cfg)
	tg, err := elb.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(fmt.Sprintf("web-%d", time.Now().UnixNano()%1e9)), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(8080), VpcId: vpc.Vpc.VpcId, TargetType: elbtypes.TargetTypeEnumIp})
	require.NoError(t, err)
	arn := aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	_, err = elb.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn), Targets: []elbtypes.TargetDescription{{Id: aws.String("10.9.0.5"), Port: aws.Int32(8080)}}})
	require.NoError(t, err)
	_ = ec2types.VpcStateAvailable

	e := newEnv(t, nil, "web")
	e.engine.ELB = elb
	tr := &tracker{r: &ServiceResult{Service: "web", TaskDefinition: "none"}, svc: ptrService(e.Service("web"))}
	tr.svc.LoadBalancers[0].TargetGroupArn = aws.String(arn)
	lines := e.engine.targetHealth(ctx, tr)
	assert.Empty(t, lines, "moto reports registered targets healthy")
	assert.Equal(t, 1, e.engine.Calls()["elbv2:DescribeTargetHealth"])
	// the name shows in explanations as the target group's short name
	assert.True(t, strings.HasPrefix(shortTG(arn), "web-"), shortTG(arn))
}

func ptrService(s ecsService) *ecsService { return &s }

type ecsService = ecstypes.Service

// The real ECS client against the sandbox: a missing cluster or service is
// a *NotFoundError before anything changes.
func TestPrepareWithRealClientOnSandbox(t *testing.T) {
	t.Parallel()
	_, stack := sandboxtest.SeededRegion(t, "eu-north-1")
	cfg := sandboxtest.Config(t, "eu-north-1")
	e := &Engine{ECS: ecs.NewFromConfig(cfg), Clock: clock.Wall{}}
	ctx := context.Background()
	cases := []struct {
		cluster, service string
		want             NotFoundError
	}{
		{"no-such-cluster", "mcpo", NotFoundError{Kind: "cluster", Name: "no-such-cluster", Where: "this account and region"}},
		{stack.Cluster, "no-such-service", NotFoundError{Kind: "service", Name: "no-such-service", Cluster: stack.Cluster}},
	}
	for _, tc := range cases {
		_, err := e.Prepare(ctx, &Plan{Cluster: tc.cluster, Waves: [][]Target{{{Service: tc.service}}}})
		var nf *NotFoundError
		require.ErrorAs(t, err, &nf, "%v", err)
		assert.Equal(t, tc.want, *nf)
	}
	p, err := e.Prepare(ctx, &Plan{Cluster: stack.Cluster, Waves: [][]Target{{{Service: "mcpo",
		Renders: []taskdef.Render{{Container: "mcpo", Image: "registry.example.com/mcpo:v9"}}}}}})
	require.NoError(t, err)
	ps := p.services["mcpo"]
	require.NotNil(t, ps.doc, "a new image needs a new revision")
	assert.Equal(t, "registry.example.com/mcpo:v9", ps.doc.Images()["mcpo"])
}

// Each example task definition, registered through the real ECS client on
// the sandbox and described back, is recognised as the same revision, so a
// re-run registers nothing.
func TestExampleTaskDefinitionsRoundTripOnSandbox(t *testing.T) {
	t.Parallel()
	sandboxtest.Start(t)
	client := ecs.NewFromConfig(sandboxtest.Config(t, "ap-northeast-1"))
	ctx := context.Background()
	dir := sandboxtest.TaskDefinitionsDir()
	require.NotEmpty(t, dir)
	for _, svc := range []string{"bedrock-access-gateway", "mcpo", "open-webui"} {
		data, err := os.ReadFile(dir + "/" + svc + ".json")
		require.NoError(t, err)
		doc, err := taskdef.Parse(data)
		require.NoError(t, err, svc)
		require.NoError(t, doc.Validate(), svc)
		in, err := doc.Input()
		require.NoError(t, err)
		reg, err := client.RegisterTaskDefinition(ctx, in, doc.RegisterOptions()...)
		require.NoError(t, err, svc)
		got, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: reg.TaskDefinition.TaskDefinitionArn})
		require.NoError(t, err)
		assert.True(t, doc.SameAs(got.TaskDefinition), "%s: described revision differs from the file", svc)
		require.NoError(t, doc.Apply(taskdef.Render{Container: svc, Image: "registry.example.com/" + svc + ":v2"}))
		assert.False(t, doc.SameAs(got.TaskDefinition), "%s: a new image is a new revision", svc)
	}
}
