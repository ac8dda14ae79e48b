// Package utilisation reads an ECS service's utilisation over a lookback
// from CloudWatch for the cost report: CPU and memory as a percentage of
// the task's reservation (the AWS/ECS service metrics, Average: the mean
// across the service's tasks in each period) and the running task count
// (Container Insights' RunningTaskCount, which exists only where Container
// Insights is on). A metric CloudWatch has no datapoints for comes back
// empty, and the report calls that "not enough data", never zero.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_utilization.html
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

var queries = []query{
	{"cpu", "AWS/ECS", "CPUUtilization"},
	{"memory", "AWS/ECS", "MemoryUtilization"},
	{"tasks", "ECS/ContainerInsights", "RunningTaskCount"},
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
	values := map[string][]float64{}
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
			values[aws.ToString(r.Id)] = append(values[aws.ToString(r.Id)], r.Values...)
		}
	}
	series := func(id string, unit cost.Unit) cost.Series {
		if len(values[id]) == 0 {
			return cost.Series{}
		}
		return cost.Series{Unit: unit, Period: period, Values: values[id]}
	}
	return cost.Usage{CPU: series("cpu", cost.Percent), Memory: series("memory", cost.Percent), Tasks: series("tasks", cost.Absolute)}, nil
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
