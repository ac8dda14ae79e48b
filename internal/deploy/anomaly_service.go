package deploy

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

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
// Container Insights) below it.
func (e *Engine) ServiceAnomalyGates(ctx context.Context, s types.Service, stddevs float64) ([]AnomalyGate, error) {
	return e.ForService(ctx, []AnomalyGate{
		{Namespace: NamespaceInsights, Metric: MetricRunningTaskCount, Stat: "Average", Side: BelowBand, Stddevs: stddevs},
		{Namespace: NamespaceALB, Metric: MetricTarget5XX, Stat: "Sum", Side: AboveBand, Stddevs: stddevs},
		{Namespace: NamespaceALB, Metric: MetricTargetResponse, Stat: "p90", Side: AboveBand, Stddevs: stddevs},
	}, s)
}

// ServiceNamespaces are the namespaces whose dimensions ForService fills
// in from the service.
var ServiceNamespaces = []string{NamespaceALB, NamespaceInsights, "AWS/ECS"}

// ForService gives each gate without dimensions the service's own: in
// AWS/ApplicationELB one gate per target group the service is registered
// with (TargetGroup and LoadBalancer, the dimensions CloudWatch publishes
// per target group; the load balancer is read with DescribeTargetGroups,
// and without an ELB client only TargetGroup is set); in
// ECS/ContainerInsights and AWS/ECS ClusterName and ServiceName. Gates with
// dimensions are kept as they are.
func (e *Engine) ForService(ctx context.Context, gates []AnomalyGate, s types.Service) ([]AnomalyGate, error) {
	if len(gates) == 0 {
		return nil, nil
	}
	cluster := aws.ToString(s.ClusterArn)
	if i := strings.LastIndex(cluster, "/"); i >= 0 {
		cluster = cluster[i+1:]
	}
	var tgDims []map[string]string
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
		tgDims = append(tgDims, dims)
	}
	out := []AnomalyGate{}
	for _, g := range gates {
		switch {
		case g.Dimensions != nil:
			out = append(out, g)
		case g.Namespace == NamespaceALB:
			for _, d := range tgDims {
				g.Dimensions = d
				out = append(out, g)
			}
		default:
			g.Dimensions = map[string]string{"ClusterName": cluster, "ServiceName": aws.ToString(s.ServiceName)}
			out = append(out, g)
		}
	}
	return out, nil
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

// AnomalyMetricFormat says what ParseAnomalyMetric takes.
const AnomalyMetricFormat = "namespace:metric:side[:stat], side above, below or outside, namespace AWS/ApplicationELB, ECS/ContainerInsights or AWS/ECS (dimensions come from the service), e.g. AWS/ApplicationELB:HTTPCode_Target_5XX_Count:above"

// ParseAnomalyMetric reads one anomaly gate, namespace:metric:side[:stat],
// without dimensions (ForService fills them in from each service). The
// statistic defaults to Sum for the load balancer's *Count metrics, p90 for
// TargetResponseTime and Average otherwise (RunningTaskCount is a gauge).
func ParseAnomalyMetric(line string) (AnomalyGate, error) {
	parts := strings.Split(strings.TrimSpace(line), ":")
	if len(parts) < 3 || len(parts) > 4 {
		return AnomalyGate{}, fmt.Errorf("is not %s", AnomalyMetricFormat)
	}
	g := AnomalyGate{Namespace: parts[0], Metric: parts[1], Side: parts[2]}
	if !slices.Contains(ServiceNamespaces, g.Namespace) {
		return AnomalyGate{}, fmt.Errorf("namespace %q: ecsflow fills dimensions in only for %s", g.Namespace, strings.Join(ServiceNamespaces, ", "))
	}
	if g.Metric == "" || len(g.Metric) > 255 || strings.ContainsFunc(g.Metric, unicode.IsSpace) {
		return AnomalyGate{}, fmt.Errorf("metric %q is not a CloudWatch metric name", g.Metric)
	}
	if g.Side != AboveBand && g.Side != BelowBand && g.Side != OutsideBand {
		return AnomalyGate{}, fmt.Errorf("side %q is not above, below or outside", g.Side)
	}
	switch {
	case len(parts) == 4:
		if !validStat(parts[3]) {
			return AnomalyGate{}, fmt.Errorf("statistic %q is not Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p90", parts[3])
		}
		g.Stat = parts[3]
	case g.Namespace == NamespaceALB && strings.HasSuffix(g.Metric, "Count"):
		g.Stat = "Sum"
	case g.Metric == MetricTargetResponse:
		g.Stat = "p90"
	default:
		g.Stat = "Average"
	}
	return g, nil
}

// validStat reports whether stat is one GetMetricData takes for a metric
// gate: Sum, Average, Minimum, Maximum, SampleCount or a percentile pNN.
// (No regexp: the deploy engine is linked into drift-check, whose size
// budget is tight.)
func validStat(stat string) bool {
	switch stat {
	case "Sum", "Average", "Minimum", "Maximum", "SampleCount":
		return true
	}
	p, ok := strings.CutPrefix(stat, "p")
	if !ok || p == "" || strings.ContainsAny(p, "eE+-") {
		return false
	}
	f, err := strconv.ParseFloat(p, 64)
	return err == nil && f >= 0 && f <= 100
}
