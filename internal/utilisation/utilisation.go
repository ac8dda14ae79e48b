// Package utilisation reads an ECS service's utilisation over a lookback
// from CloudWatch for the cost report: CPU and memory as a percentage of
// the task's reservation, and the running task count.
//
// Where Container Insights is on, CPU and memory come from its
// CpuUtilized/CpuReserved and MemoryUtilized/MemoryReserved
// (ECS/ContainerInsights, dimensions ClusterName and ServiceName): CPU units
// and MiB used and reserved by the service's tasks together, so each period's
// share is used over reserved; a period without a reservation above zero is
// left out.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html
//
// Otherwise they come from the service metrics CPUUtilization and
// MemoryUtilization (AWS/ECS, Average: the used share of what the service's
// tasks reserve in each period).
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_utilization.html
//
// The running task count is Container Insights' RunningTaskCount. A metric
// CloudWatch has no datapoints for comes back empty, and the report calls
// that "not enough data", never zero.
package utilisation

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/ecsflow/ecsflow/internal/cost"
)

// MetricsAPI is the CloudWatch call the reader makes (the SDK's own
// paginator client interface).
type MetricsAPI = cloudwatch.GetMetricDataAPIClient

// query is one metric the reader asks for.
type query struct {
	id, namespace, metric string
}

const insights = "ECS/ContainerInsights"

var queries = []query{
	{"cpu", "AWS/ECS", "CPUUtilization"},
	{"memory", "AWS/ECS", "MemoryUtilization"},
	{"tasks", insights, "RunningTaskCount"},
	{"cpu_used", insights, "CpuUtilized"},
	{"cpu_reserved", insights, "CpuReserved"},
	{"memory_used", insights, "MemoryUtilized"},
	{"memory_reserved", insights, "MemoryReserved"},
}

// points are one metric's datapoints in time order.
type points struct {
	times  []time.Time
	values []float64
}

// Read returns the utilisation of service in cluster over the lookback
// ending at end, one Average per period.
func Read(ctx context.Context, api MetricsAPI, cluster, service string, end time.Time, lookback, period time.Duration) (cost.Usage, error) {
	if period < time.Minute || period%time.Minute != 0 {
		return cost.Usage{}, fmt.Errorf("period %s is not a whole number of minutes: CloudWatch periods are multiples of 60 seconds", period)
	}
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(end.Add(-lookback)),
		EndTime:   aws.Time(end),
		ScanBy:    types.ScanByTimestampAscending,
	}
	for _, q := range queries {
		in.MetricDataQueries = append(in.MetricDataQueries, types.MetricDataQuery{
			Id: aws.String(q.id),
			MetricStat: &types.MetricStat{
				Metric: &types.Metric{
					Namespace:  aws.String(q.namespace),
					MetricName: aws.String(q.metric),
					Dimensions: []types.Dimension{
						{Name: aws.String("ClusterName"), Value: aws.String(cluster)},
						{Name: aws.String("ServiceName"), Value: aws.String(service)},
					},
				},
				Period: aws.Int32(int32(period / time.Second)),
				Stat:   aws.String("Average"),
			},
		})
	}
	got := map[string]*points{}
	for _, q := range queries {
		got[q.id] = &points{}
	}
	pages := cloudwatch.NewGetMetricDataPaginator(api, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return cost.Usage{}, fmt.Errorf("failed to read the utilisation of service %s in cluster %s from CloudWatch (the role needs cloudwatch:GetMetricData): %w", service, cluster, err)
		}
		for _, r := range out.MetricDataResults {
			if r.StatusCode == types.StatusCodeInternalError || r.StatusCode == types.StatusCodeForbidden {
				return cost.Usage{}, fmt.Errorf("CloudWatch answered %s for %s of service %s: %s", r.StatusCode, aws.ToString(r.Id), service, messages(r.Messages))
			}
			if p, ok := got[aws.ToString(r.Id)]; ok && len(r.Timestamps) == len(r.Values) {
				p.times = append(p.times, r.Timestamps...)
				p.values = append(p.values, r.Values...)
			}
		}
	}
	series := func(values []float64, unit cost.Unit) cost.Series {
		if len(values) == 0 {
			return cost.Series{}
		}
		return cost.Series{Unit: unit, Period: period, Values: values}
	}
	pick := func(used, reserved, service string) cost.Series {
		if share := shareOf(got[used], got[reserved]); len(share) > 0 {
			return series(share, cost.Percent)
		}
		return series(got[service].values, cost.Percent)
	}
	return cost.Usage{
		CPU:    pick("cpu_used", "cpu_reserved", "cpu"),
		Memory: pick("memory_used", "memory_reserved", "memory"),
		Tasks:  series(got["tasks"].values, cost.Absolute),
	}, nil
}

// shareOf is 100 × used / reserved for each period both have, with a
// reservation above zero.
func shareOf(used, reserved *points) []float64 {
	by := make(map[time.Time]float64, len(reserved.times))
	for i, t := range reserved.times {
		by[t.UTC()] = reserved.values[i]
	}
	var out []float64
	for i, t := range used.times {
		if r, ok := by[t.UTC()]; ok && r > 0 {
			out = append(out, 100*used.values[i]/r)
		}
	}
	return out
}

func messages(ms []types.MessageData) string {
	if len(ms) == 0 {
		return "no message"
	}
	s := ""
	for i, m := range ms {
		if i > 0 {
			s += "; "
		}
		s += aws.ToString(m.Code) + ": " + aws.ToString(m.Value)
	}
	return s
}
