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

// result is a metric's page of values, one an hour from hour first on.
func result(id string, code types.StatusCode, first int, vs ...float64) types.MetricDataResult {
	ts := make([]time.Time, len(vs))
	for i := range vs {
		ts[i] = end.Add(time.Duration(first+i) * time.Hour)
	}
	return types.MetricDataResult{Id: aws.String(id), StatusCode: code, Values: vs, Timestamps: ts}
}

var end = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

func TestReadAsksForTheServiceMetricsAndFollowsPages(t *testing.T) {
	t.Parallel()
	api := &pages{out: []*cloudwatch.GetMetricDataOutput{
		{NextToken: aws.String("more"), MetricDataResults: []types.MetricDataResult{
			result("cpu", types.StatusCodePartialData, 0, 10, 20), result("memory", types.StatusCodePartialData, 0, 30), result("tasks", types.StatusCodeComplete, 0),
		}},
		{MetricDataResults: []types.MetricDataResult{
			result("cpu", types.StatusCodeComplete, 2, 30), result("memory", types.StatusCodeComplete, 1, 40, 50),
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
	require.Equal(t, []string{
		"cpu=AWS/ECS/CPUUtilization", "memory=AWS/ECS/MemoryUtilization", "tasks=ECS/ContainerInsights/RunningTaskCount",
		"cpu_used=ECS/ContainerInsights/CpuUtilized", "cpu_reserved=ECS/ContainerInsights/CpuReserved",
		"memory_used=ECS/ContainerInsights/MemoryUtilized", "memory_reserved=ECS/ContainerInsights/MemoryReserved",
	}, got)
}

// Container Insights' absolute figures, used over reserved, win over the
// service metrics where both exist; a period without a reservation is left
// out, never read as zero; without a reservation at all the service metric
// stands in.
func TestReadPrefersContainerInsights(t *testing.T) {
	t.Parallel()
	ok := types.StatusCodeComplete
	cases := []struct {
		name        string
		results     []types.MetricDataResult
		cpu, memory []float64
	}{
		{"both shapes: Container Insights", []types.MetricDataResult{
			result("cpu", ok, 0, 99, 99), result("memory", ok, 0, 99, 99),
			result("cpu_used", ok, 0, 256, 128), result("cpu_reserved", ok, 0, 1024, 1024),
			result("memory_used", ok, 0, 1024, 512, 300), result("memory_reserved", ok, 0, 4096, 0, 4096),
		}, []float64{25, 12.5}, []float64{25, 300.0 / 4096 * 100}},
		{"used without reserved: the service metrics", []types.MetricDataResult{
			result("cpu", ok, 0, 10), result("memory", ok, 0, 20),
			result("cpu_used", ok, 0, 256), result("memory_used", ok, 0, 1024),
		}, []float64{10}, []float64{20}},
		{"reserved at other hours: the service metrics", []types.MetricDataResult{
			result("cpu", ok, 0, 10), result("memory", ok, 0, 20),
			result("cpu_used", ok, 0, 256), result("cpu_reserved", ok, 5, 1024),
		}, []float64{10}, []float64{20}},
		{"only Container Insights", []types.MetricDataResult{
			result("cpu_used", ok, 0, 512), result("cpu_reserved", ok, 0, 2048),
			result("memory_used", ok, 0, 1024), result("memory_reserved", ok, 0, 2048),
		}, []float64{25}, []float64{50}},
		{"nothing: not enough data", nil, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &pages{out: []*cloudwatch.GetMetricDataOutput{{MetricDataResults: tc.results}}}
			u, err := utilisation.Read(context.Background(), api, "apps", "web", end, 14*24*time.Hour, time.Hour)
			require.NoError(t, err)
			for _, c := range []struct {
				s    cost.Series
				want []float64
			}{{u.CPU, tc.cpu}, {u.Memory, tc.memory}} {
				if c.want == nil {
					require.Equal(t, cost.Series{}, c.s, "no datapoints is an empty series, never zeros")
					continue
				}
				require.Equal(t, cost.Percent, c.s.Unit)
				require.InDeltaSlice(t, c.want, c.s.Values, 1e-9)
			}
		})
	}
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
