package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// Metrics judged by ServiceAnomalyGates, with CloudWatch's names
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html).
const (
	NamespaceALB           = "AWS/ApplicationELB"
	NamespaceInsights      = "ECS/ContainerInsights"
	MetricTarget5XX        = "HTTPCode_Target_5XX_Count"
	MetricTargetResponse   = "TargetResponseTime"
	MetricRunningTaskCount = "RunningTaskCount"
)

// ServiceAnomalyGates are the metrics that show a service misbehaving,
// the ones the example stack's anomaly alarms watch, each judged against
// its band of stddevs standard deviations: for every target group the
// service is registered with, the 5xx count (Sum) and the p90 target
// response time above the band; and the running-task count (Average,
// Container Insights) below it. ALB metrics per target group carry the
// TargetGroup and LoadBalancer dimensions, so the load balancer is read
// with DescribeTargetGroups; without an ELB client only TargetGroup is set.
func (e *Engine) ServiceAnomalyGates(ctx context.Context, s types.Service, stddevs float64) ([]AnomalyGate, error) {
	cluster := aws.ToString(s.ClusterArn)
	if i := strings.LastIndex(cluster, "/"); i >= 0 {
		cluster = cluster[i+1:]
	}
	gates := []AnomalyGate{{Namespace: NamespaceInsights, Metric: MetricRunningTaskCount, Stat: "Average", Side: BelowBand, Stddevs: stddevs,
		Dimensions: map[string]string{"ClusterName": cluster, "ServiceName": aws.ToString(s.ServiceName)}}}
	for _, lb := range s.LoadBalancers {
		tg := aws.ToString(lb.TargetGroupArn)
		if tg == "" {
			continue // a Classic Load Balancer has no target group metrics
		}
		dims := map[string]string{"TargetGroup": arnResource(tg, "targetgroup/")}
		if e.ELB != nil {
			lbArn, err := e.loadBalancerOf(ctx, tg)
			if err != nil {
				return nil, err
			}
			if lbArn != "" {
				dims["LoadBalancer"] = strings.TrimPrefix(arnResource(lbArn, "loadbalancer/"), "loadbalancer/")
			}
		}
		gates = append(gates,
			AnomalyGate{Namespace: NamespaceALB, Metric: MetricTarget5XX, Stat: "Sum", Side: AboveBand, Stddevs: stddevs, Dimensions: dims},
			AnomalyGate{Namespace: NamespaceALB, Metric: MetricTargetResponse, Stat: "p90", Side: AboveBand, Stddevs: stddevs, Dimensions: dims})
	}
	return gates, nil
}

// loadBalancerOf is the first load balancer that routes to target group tg.
func (e *Engine) loadBalancerOf(ctx context.Context, tg string) (string, error) {
	out, err := e.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
	e.count("elbv2:DescribeTargetGroups")
	if err != nil {
		return "", fmt.Errorf("failed to describe target group %s (the role needs elasticloadbalancing:DescribeTargetGroups): %w", tg, err)
	}
	for _, g := range out.TargetGroups {
		if len(g.LoadBalancerArns) > 0 {
			return g.LoadBalancerArns[0], nil
		}
	}
	return "", nil
}

// arnResource is the part of an ARN from marker on (targetgroup/name/id,
// loadbalancer/app/name/id): the value CloudWatch's dimensions carry.
func arnResource(arn, marker string) string {
	if i := strings.Index(arn, ":"+marker); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
