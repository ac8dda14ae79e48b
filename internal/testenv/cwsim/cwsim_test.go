package cwsim

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

var t0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

func put(cw *CloudWatch, vals ...float64) {
	var ds []ecssim.Datum
	for i, v := range vals {
		ds = append(ds, ecssim.Datum{Namespace: "NS", Metric: "M", Dimensions: map[string]string{"D": "x"}, Timestamp: t0.Add(time.Duration(i) * time.Minute), Value: v})
	}
	cw.AddData(ds)
}

func bandQuery(k string) *cloudwatch.GetMetricDataInput {
	return &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(time.Hour)), ScanBy: types.ScanByTimestampAscending,
		MetricDataQueries: []types.MetricDataQuery{
			{Id: aws.String("m"), MetricStat: &types.MetricStat{Metric: &types.Metric{Namespace: aws.String("NS"), MetricName: aws.String("M"),
				Dimensions: []types.Dimension{{Name: aws.String("D"), Value: aws.String("x")}}}, Period: aws.Int32(60), Stat: aws.String("Sum")}},
			{Id: aws.String("b"), Expression: aws.String("ANOMALY_DETECTION_BAND(m" + k + ")")},
		},
	}
}

func TestBandFromTheTrailingWindow(t *testing.T) {
	t.Parallel()
	cw := New()
	vals := make([]float64, 0, 21)
	for i := range 20 {
		vals = append(vals, float64(10+i%3)) // 10, 11, 12, … mean 11, stddev ~0.8
	}
	put(cw, append(vals, 30)...)
	cases := []struct {
		name, k string
		width   float64
	}{{"default two stddevs", "", 2}, {"one stddev", ", 1", 1}, {"three stddevs", ", 3", 3}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := cw.GetMetricData(context.Background(), bandQuery(tc.k))
			require.NoError(t, err)
			require.Len(t, out.MetricDataResults, 3)
			lo, hi := out.MetricDataResults[1], out.MetricDataResults[2]
			assert.Equal(t, "b", aws.ToString(lo.Id))
			require.Len(t, hi.Timestamps, 11, "no band before 10 values of training")
			assert.Equal(t, t0.Add(10*time.Minute), hi.Timestamps[0])
			last := len(hi.Values) - 1
			mean := (hi.Values[last] + lo.Values[last]) / 2
			assert.InDelta(t, 11.0, mean, 0.1)
			assert.InDelta(t, tc.width*0.816, (hi.Values[last]-lo.Values[last])/2, 0.05)
			m := out.MetricDataResults[0].Values
			assert.Greater(t, m[len(m)-1], hi.Values[last], "the spike leaves the band")
			assert.Less(t, m[len(m)-2], hi.Values[last-1], "a normal value is inside it")
		})
	}
}

func TestFlatSeriesHasABandOfSomeWidth(t *testing.T) {
	t.Parallel()
	cw := New()
	put(cw, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1.6)
	out, err := cw.GetMetricData(context.Background(), bandQuery(""))
	require.NoError(t, err)
	lo := out.MetricDataResults[1]
	require.Len(t, lo.Values, 2)
	assert.InDelta(t, 1.8, lo.Values[1], 1e-9, "2 - 2·5 % of 2")
	assert.Less(t, out.MetricDataResults[0].Values[11], lo.Values[1])
}

func TestOnlyTheBandExpressionIsEvaluated(t *testing.T) {
	t.Parallel()
	in := bandQuery("")
	in.MetricDataQueries[1].Expression = aws.String("m * 2")
	_, err := New().GetMetricData(context.Background(), in)
	require.ErrorContains(t, err, "ANOMALY_DETECTION_BAND")
}

func TestDetectorTrains(t *testing.T) {
	t.Parallel()
	cw := New()
	ctx := context.Background()
	_, err := cw.PutAnomalyDetector(ctx, &cloudwatch.PutAnomalyDetectorInput{SingleMetricAnomalyDetector: &types.SingleMetricAnomalyDetector{
		Namespace: aws.String("NS"), MetricName: aws.String("M"), Stat: aws.String("Sum"), Dimensions: []types.Dimension{{Name: aws.String("D"), Value: aws.String("x")}}}})
	require.NoError(t, err)
	out, err := cw.DescribeAnomalyDetectors(ctx, &cloudwatch.DescribeAnomalyDetectorsInput{Namespace: aws.String("NS")})
	require.NoError(t, err)
	require.Len(t, out.AnomalyDetectors, 1)
	assert.Equal(t, types.AnomalyDetectorStateValuePendingTraining, out.AnomalyDetectors[0].StateValue)
	put(cw, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
	out, _ = cw.DescribeAnomalyDetectors(ctx, &cloudwatch.DescribeAnomalyDetectorsInput{})
	assert.Equal(t, types.AnomalyDetectorStateValueTrained, out.AnomalyDetectors[0].StateValue)
	_, err = cw.PutAnomalyDetector(ctx, &cloudwatch.PutAnomalyDetectorInput{})
	require.ErrorContains(t, err, "SingleMetricAnomalyDetector")
}
