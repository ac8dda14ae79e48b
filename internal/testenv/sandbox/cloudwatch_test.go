package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/usagegen"
	"github.com/ecsflow/ecsflow/internal/utilisation"
)

// Through the sandbox endpoint the simulator's metrics and their anomaly
// band are read with GetMetricData (the stand-in), while series written
// with PutMetricData (moto) are still read back the way the cost report
// reads them, for the same cluster and service.
func TestCloudWatchSimulatorMetricsAndMotoSeries(t *testing.T) {
	t.Parallel()
	const region = "ca-central-1"
	sb, st := sandboxtest.SeededRegion(t, region)
	ctx := context.Background()
	cw := cloudwatch.NewFromConfig(sandboxtest.Config(t, region), awsconfig.CloudWatchOptions(sb.Getenv)...)
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
