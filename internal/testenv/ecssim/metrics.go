package ecssim

import (
	"hash/fnv"
	"math"
	"sort"
	"strings"
	"time"
)

// Datum is one metric datapoint the simulator publishes for CloudWatch, as
// the load balancer and Container Insights would: a one-minute period
// starting at Timestamp.
type Datum struct {
	Namespace  string
	Metric     string
	Dimensions map[string]string
	Timestamp  time.Time
	Value      float64
}

// Metric names and namespaces the simulator publishes (CloudWatch's own
// names: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
// and https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html).
const (
	NamespaceALB            = "AWS/ApplicationELB"
	NamespaceInsights       = "ECS/ContainerInsights"
	MetricRequestCount      = "RequestCount"
	MetricTarget5XX         = "HTTPCode_Target_5XX_Count"
	MetricTargetResponse    = "TargetResponseTime"
	MetricRunningTaskCount  = "RunningTaskCount"
	baselineRequestsPerMin  = 600.0
	baselineResponseSeconds = 0.080
)

// WithMetrics makes the simulator publish, for every minute of simulated
// time, each service's RunningTaskCount (ECS/ContainerInsights, dimensions
// ClusterName and ServiceName; the average over the minute's ticks) and,
// for a service behind a target group, RequestCount, HTTPCode_Target_5XX_Count
// and TargetResponseTime (AWS/ApplicationELB, dimensions TargetGroup and,
// with WithLoadBalancerOf, LoadBalancer: the ARNs' resource parts). Traffic goes to healthy targets: by the production weights of
// a native (CANARY, LINEAR, BLUE_GREEN) rollout, else equally per task.
// Baseline traffic is 600 requests a minute, 0–2 5xx answers and 80 ms
// response time, with noise drawn from a hash of the service and the
// minute, so runs repeat. Tasks with a FaultErrors or FaultLatencyLeak
// fault change what their share of the traffic shows. sink is called with
// the simulator locked: keep it quick and do not call the Sim.
func WithMetrics(sink func([]Datum)) Option {
	return func(s *Sim) { s.metricSink = sink }
}

// WithLoadBalancerOf tells the simulator which load balancer routes to a
// target group (lbOf takes the target group ARN and returns the load
// balancer's ARN, or "" when unknown). With it, the ALB metrics carry the
// dimensions CloudWatch publishes per target group, TargetGroup and
// LoadBalancer (the ARNs' resource parts); without it they carry
// TargetGroup alone, a series AWS does not publish. lbOf is called with
// the simulator locked: do not call the Sim from it.
func WithLoadBalancerOf(lbOf func(targetGroupARN string) string) Option {
	return func(s *Sim) { s.lbOf = lbOf }
}

// metricAcc averages a service's running-task count over a minute.
type metricAcc struct {
	sum     float64
	samples int
}

// publishMetrics emits the datapoints of every minute that ended by now,
// then samples the running-task counts for the minute in progress. The
// caller holds s.mu.
func (s *Sim) publishMetrics(now time.Time) {
	if s.metricSink == nil {
		return
	}
	if s.metricNext.IsZero() {
		s.metricNext = now.Truncate(time.Minute).Add(time.Minute)
		s.metricAcc = map[*service]*metricAcc{}
	}
	for !s.metricNext.After(now) {
		var out []Datum
		for _, svc := range s.servicesSorted() {
			if svc.status == "ACTIVE" {
				out = append(out, s.serviceMetrics(svc, s.metricNext)...)
			}
		}
		s.metricAcc = map[*service]*metricAcc{}
		s.metricNext = s.metricNext.Add(time.Minute)
		if len(out) > 0 {
			s.metricSink(out)
		}
	}
	for _, svc := range s.servicesSorted() {
		a := s.metricAcc[svc]
		if a == nil {
			a = &metricAcc{}
			s.metricAcc[svc] = a
		}
		a.sum += float64(runningTasks(svc))
		a.samples++
	}
}

// servicesSorted lists every service by cluster name, then creation order.
func (s *Sim) servicesSorted() []*service {
	var out []*service
	names := make([]string, 0, len(s.clusters))
	for n := range s.clusters {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := s.clusters[n]
		for _, sn := range c.order {
			if svc := c.services[sn]; svc != nil {
				out = append(out, svc)
			}
		}
	}
	return out
}

func runningTasks(svc *service) int {
	n := 0
	for _, t := range svc.tasks {
		if t.last == "RUNNING" && t.alive() {
			n++
		}
	}
	return n
}

// serviceMetrics are the datapoints of the minute that ends at end.
func (s *Sim) serviceMetrics(svc *service, end time.Time) []Datum {
	start := end.Add(-time.Minute)
	running := float64(runningTasks(svc))
	if a := s.metricAcc[svc]; a != nil && a.samples > 0 {
		running = a.sum / float64(a.samples)
	}
	out := []Datum{{Namespace: NamespaceInsights, Metric: MetricRunningTaskCount,
		Dimensions: map[string]string{"ClusterName": svc.c.name, "ServiceName": svc.name}, Timestamp: start, Value: running}}
	tg := svc.targetGroup()
	if tg == "" {
		return out
	}
	requests := baselineRequestsPerMin * (1 + 0.1*(noise(svc.arn, start, 1)-0.5))
	errors := math.Floor(3 * noise(svc.arn, start, 2))
	latency := baselineResponseSeconds + 0.01*(noise(svc.arn, start, 3)-0.5)
	extraErr, extraLat := 0.0, 0.0
	for t, share := range trafficShares(svc) {
		if t.fault == nil || share == 0 {
			continue
		}
		switch t.fault.Kind {
		case FaultErrors:
			extraErr += requests * share * t.fault.ErrorRate
		case FaultLatencyLeak:
			if t.started != nil {
				minutes := end.Sub(*t.started).Minutes()
				extraLat += share * t.fault.LatencyGrowth.Seconds() * max(minutes, 0)
			}
		}
	}
	dims := map[string]string{"TargetGroup": targetGroupSuffix(tg)}
	if s.lbOf != nil {
		if lb := s.lbOf(tg); lb != "" {
			dims["LoadBalancer"] = loadBalancerSuffix(lb)
		}
	}
	return append(out,
		Datum{Namespace: NamespaceALB, Metric: MetricRequestCount, Dimensions: dims, Timestamp: start, Value: math.Round(requests)},
		Datum{Namespace: NamespaceALB, Metric: MetricTarget5XX, Dimensions: dims, Timestamp: start, Value: errors + math.Round(extraErr)},
		Datum{Namespace: NamespaceALB, Metric: MetricTargetResponse, Dimensions: dims, Timestamp: start, Value: latency + extraLat},
	)
}

// trafficShares is each healthy target's share of the requests (summing
// to 1, or empty when no target is healthy).
func trafficShares(svc *service) map[*task]float64 {
	byDep := map[*dep][]*task{}
	for _, t := range svc.tasks {
		if t.target == "healthy" && t.alive() {
			byDep[t.d] = append(byDep[t.d], t)
		}
	}
	weight := map[*dep]float64{}
	total := 0.0
	native := svc.current != nil && svc.current.native() && svc.current.active()
	for d, ts := range byDep {
		w := float64(len(ts))
		if native {
			w = d.prod
		}
		weight[d] = w
		total += w
	}
	out := map[*task]float64{}
	if total == 0 {
		return out
	}
	for d, ts := range byDep {
		for _, t := range ts {
			out[t] = weight[d] / total / float64(len(ts))
		}
	}
	return out
}

// targetGroupSuffix is the TargetGroup dimension's value: the ARN's
// resource part, targetgroup/name/id.
func targetGroupSuffix(arn string) string {
	if i := strings.Index(arn, "targetgroup/"); i >= 0 {
		return arn[i:]
	}
	return arn
}

// noise is a repeatable draw in [0, 1) for a series and a minute.
func noise(key string, t time.Time, salt byte) float64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	h.Write([]byte{salt})
	var b [8]byte
	u := uint64(t.Unix())
	for i := range b {
		b[i] = byte(u >> (8 * i))
	}
	h.Write(b[:])
	return float64(h.Sum64()>>11) / float64(1<<53)
}

// loadBalancerSuffix is the LoadBalancer dimension's value: the ARN's
// resource part after loadbalancer/, app/name/id.
func loadBalancerSuffix(arn string) string {
	if i := strings.Index(arn, ":loadbalancer/"); i >= 0 {
		return arn[i+len(":loadbalancer/"):]
	}
	return arn
}
