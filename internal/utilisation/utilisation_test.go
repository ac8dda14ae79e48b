package utilisation_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/utilisation"
)

// pages answers GetMetricData with one page per call and records inputs.
type pages struct {
	out []*cloudwatch.GetMetricDataOutput
	err error
	in  []*cloudwatch.GetMetricDataInput
}

func (p *pages) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	p.in = append(p.in, in)
	if p.err != nil {
		return nil, p.err
	}
	o := p.out[len(p.in)-1]
	return o, nil
}

func result(id string, code types.StatusCode, vs ...float64) types.MetricDataResult {
	return types.MetricDataResult{Id: aws.String(id), StatusCode: code, Values: vs}
}

var end = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

func TestReadAsksForTheServiceMetricsAndFollowsPages(t *testing.T) {
	t.Parallel()
	api := &pages{out: []*cloudwatch.GetMetricDataOutput{
		{NextToken: aws.String("more"), MetricDataResults: []types.MetricDataResult{
			result("cpu", types.StatusCodePartialData, 10, 20), result("memory", types.StatusCodePartialData, 30), result("tasks", types.StatusCodeComplete),
		}},
		{MetricDataResults: []types.MetricDataResult{
			result("cpu", types.StatusCodeComplete, 30), result("memory", types.StatusCodeComplete, 40, 50),
		}},
	}}
	u, err := utilisation.Read(context.Background(), api, "apps", "web", end, 14*24*time.Hour, time.Hour)
	require.NoError(t, err)
	require.Equal(t, cost.Usage{
		CPU:    cost.Series{Unit: cost.Percent, Period: time.Hour, Values: []float64{10, 20, 30}},
		Memory: cost.Series{Unit: cost.Percent, Period: time.Hour, Values: []float64{30, 40, 50}},
	}, u, "no RunningTaskCount datapoints (Container Insights off) is an empty series, not zeros")

	require.Len(t, api.in, 2)
	require.Equal(t, "more", aws.ToString(api.in[1].NextToken))
	in := api.in[0]
	require.Equal(t, end.Add(-14*24*time.Hour), *in.StartTime)
	require.Equal(t, end, *in.EndTime)
	var got []string
	for _, q := range in.MetricDataQueries {
		ms := q.MetricStat
		require.Equal(t, int32(3600), *ms.Period)
		require.Equal(t, "Average", *ms.Stat)
		require.Equal(t, []types.Dimension{
			{Name: aws.String("ClusterName"), Value: aws.String("apps")},
			{Name: aws.String("ServiceName"), Value: aws.String("web")},
		}, ms.Metric.Dimensions)
		got = append(got, *q.Id+"="+*ms.Metric.Namespace+"/"+*ms.Metric.MetricName)
	}
	require.Equal(t, []string{"cpu=AWS/ECS/CPUUtilization", "memory=AWS/ECS/MemoryUtilization", "tasks=ECS/ContainerInsights/RunningTaskCount"}, got)
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		api    *pages
		period time.Duration
		want   string
	}{
		{"call fails", &pages{err: errors.New("AccessDenied")}, time.Hour,
			"failed to read the utilisation of service web in cluster apps from CloudWatch (the role needs cloudwatch:GetMetricData): AccessDenied"},
		{"internal error in a result", &pages{out: []*cloudwatch.GetMetricDataOutput{{MetricDataResults: []types.MetricDataResult{
			{Id: aws.String("cpu"), StatusCode: types.StatusCodeInternalError, Messages: []types.MessageData{{Code: aws.String("Oops"), Value: aws.String("try later")}}},
		}}}}, time.Hour, "CloudWatch answered InternalError for cpu of service web: Oops: try later"},
		{"period not in minutes", &pages{}, 90 * time.Second, "period 1m30s is not a whole number of minutes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := utilisation.Read(context.Background(), tc.api, "apps", "web", end, 14*24*time.Hour, tc.period)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
