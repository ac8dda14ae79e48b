package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/simclock"
	"github.com/ecsflow/ecsflow/internal/testenv/usagegen"
	"github.com/ecsflow/ecsflow/internal/utilisation"
)

// Through the sandbox endpoint the simulator's metrics and their anomaly
// band are read with GetMetricData (the stand-in), while series written
// with PutMetricData (moto) are still read back the way the cost report
// reads them, for the same cluster and service.
func TestCloudWatchSimulatorMetricsAndMotoSeries(t *testing.T) {
	t.Parallel()
	const region = "af-south-1" // a region no other test of this package changes
	sb, st := sandboxtest.SeededRegion(t, region)
	ctx := context.Background()
	cw := cloudwatch.NewFromConfig(sandboxtest.Config(t, region), cloudwatchclient.Options(sb.Getenv)...)
	sim := sb.ECS(region)
	sim.Advance(20 * time.Minute)
	now := sim.Now()

	running := &cwtypes.Metric{Namespace: aws.String(ecssim.NamespaceInsights), MetricName: aws.String(ecssim.MetricRunningTaskCount),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("ClusterName"), Value: aws.String(st.Cluster)}, {Name: aws.String("ServiceName"), Value: aws.String("mcpo")}}}
	out, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-20 * time.Minute)), EndTime: aws.Time(now), ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{
			{Id: aws.String("m"), MetricStat: &cwtypes.MetricStat{Metric: running, Period: aws.Int32(60), Stat: aws.String("Average")}},
			{Id: aws.String("band"), Expression: aws.String("ANOMALY_DETECTION_BAND(m, 2)")},
		}})
	require.NoError(t, err)
	require.Len(t, out.MetricDataResults, 3, "the metric and the band's two bounds")
	m := out.MetricDataResults[0]
	require.GreaterOrEqual(t, len(m.Values), 15, "one datapoint a simulated minute")
	assert.InDelta(t, 2, m.Values[len(m.Values)-1], 1e-9, "mcpo runs two tasks")
	assert.NotEmpty(t, out.MetricDataResults[1].Values, "the band has trained after ten minutes")

	_, err = cw.PutAnomalyDetector(ctx, &cloudwatch.PutAnomalyDetectorInput{SingleMetricAnomalyDetector: &cwtypes.SingleMetricAnomalyDetector{
		Namespace: running.Namespace, MetricName: running.MetricName, Dimensions: running.Dimensions, Stat: aws.String("Average")}})
	require.NoError(t, err)
	ds, err := cw.DescribeAnomalyDetectors(ctx, &cloudwatch.DescribeAnomalyDetectorsInput{})
	require.NoError(t, err)
	require.Len(t, ds.AnomalyDetectors, 1)
	assert.Equal(t, cwtypes.AnomalyDetectorStateValueTrained, ds.AnomalyDetectors[0].StateValue)

	// open-webui's ALB metrics carry its target group and the load
	// balancer moto knows for it, the dimensions rollback's check asks for.
	owui := sim.TargetHealth("open-webui")
	require.NotEmpty(t, owui)
	elb := elbv2.NewFromConfig(sandboxtest.Config(t, region))
	tgs, err := elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{owui[0].TargetGroupArn}})
	require.NoError(t, err)
	require.NotEmpty(t, tgs.TargetGroups[0].LoadBalancerArns, "the seeded target group is behind the seeded load balancer")
	eng := &deploy.Engine{CloudWatch: cw, ELB: elb, Clock: simclock.Manual{NowFunc: func() time.Time { return now }}}
	gates, err := eng.ServiceAnomalyGates(ctx, primary(t, ctx, ecs.NewFromConfig(sandboxtest.Config(t, region)), st, "open-webui"), 2)
	require.NoError(t, err)
	require.Len(t, gates, 3)
	for _, g := range gates[1:] {
		assert.Contains(t, g.Dimensions, "LoadBalancer")
		_, err := eng.FirstAnomaly(ctx, g, now.Add(-10*time.Minute))
		require.NoError(t, err, "the stand-in answers %s", g.Label())
	}
	got, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("m"), MetricStat: &cwtypes.MetricStat{Period: aws.Int32(60), Stat: aws.String("Sum"),
			Metric: &cwtypes.Metric{Namespace: aws.String(gates[1].Namespace), MetricName: aws.String(gates[1].Metric), Dimensions: dims(gates[1].Dimensions)}}}}})
	require.NoError(t, err)
	assert.NotEmpty(t, got.MetricDataResults[0].Values, "the series with both dimensions exists")

	end := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	p := usagegen.Profile{Cluster: st.Cluster, Service: "mcpo", CPULow: 3, CPUHigh: 30, MemLow: 25, MemHigh: 40, Tasks: 2}
	require.NoError(t, usagegen.Put(ctx, cw, []usagegen.Profile{p}, end, 2, 7))
	u, err := utilisation.Read(ctx, cw, st.Cluster, "mcpo", end, 2*24*time.Hour, time.Hour)
	require.NoError(t, err)
	want := usagegen.Series(p, end, 2, 7)
	require.Len(t, u.CPU.Values, len(want), "the cost report's mixed query reads moto")
	assert.InDelta(t, want[0].CPU, u.CPU.Values[0], 1e-9)
	require.Len(t, u.Tasks.Values, len(want), "its running-task series is usagegen's, not the simulator's")
}

func dims(m map[string]string) []cwtypes.Dimension {
	var out []cwtypes.Dimension
	for k, v := range m {
		out = append(out, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	return out
}
