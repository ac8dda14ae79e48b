package ecssim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lastValue is the newest datapoint of a metric in ds.
func lastValue(ds []Datum, metric string) (float64, bool) {
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i].Metric == metric {
			return ds[i].Value, true
		}
	}
	return 0, false
}

// TestMisbehavingImagesShowInMetrics: a healthy revision publishes the
// baseline; errors5pct raises the 5xx count, slowleak the response time
// minute by minute, flapping lowers the running-task average, while ECS
// itself completes each rollout.
func TestMisbehavingImagesShowInMetrics(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault Fault
		check func(t *testing.T, before, after []Datum)
	}{
		{"errors5pct", Fault{Kind: FaultErrors, ErrorRate: 0.05}, func(t *testing.T, before, after []Datum) {
			b, _ := lastValue(before, MetricTarget5XX)
			a, ok := lastValue(after, MetricTarget5XX)
			require.True(t, ok)
			assert.LessOrEqual(t, b, 2.0, "baseline 5xx")
			assert.GreaterOrEqual(t, a, 25.0, "5 % of about 600 requests a minute")
		}},
		{"slowleak", Fault{Kind: FaultLatencyLeak, LatencyGrowth: 20 * time.Millisecond}, func(t *testing.T, before, after []Datum) {
			b, _ := lastValue(before, MetricTargetResponse)
			a, ok := lastValue(after, MetricTargetResponse)
			require.True(t, ok)
			assert.InDelta(t, 0.080, b, 0.006, "baseline response time")
			assert.Greater(t, a, b+0.1, "20 ms a minute for several minutes")
		}},
		{"flapping", Fault{Kind: FaultExit, ExitCode: 1, After: 3 * time.Minute}, func(t *testing.T, before, after []Datum) {
			b, _ := lastValue(before, MetricRunningTaskCount)
			assert.Equal(t, 3.0, b)
			low := 3.0
			for _, d := range after {
				if d.Metric == MetricRunningTaskCount {
					low = min(low, d.Value)
				}
			}
			assert.Less(t, low, 2.9, "tasks restarting leave fewer running on average")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []Datum
			f := newFixture(t, nil, WithMetrics(func(ds []Datum) { got = append(got, ds...) }))
			f.sim.Advance(10 * time.Minute)
			before := append([]Datum(nil), got...)
			require.NotEmpty(t, before)
			for _, d := range before {
				assert.Equal(t, time.Duration(0), d.Timestamp.Sub(d.Timestamp.Truncate(time.Minute)), "one datapoint per whole minute")
			}
			fault := tc.fault
			fault.Image = "app:" + tc.name
			f.sim.InjectFault(fault)
			f.deploy("app:"+tc.name, nil)
			got = nil
			for range 10 {
				f.sim.Advance(time.Minute)
			}
			tc.check(t, before, got)
		})
	}
}

// TestMetricsRepeat: the same run publishes the same datapoints.
func TestMetricsRepeat(t *testing.T) {
	t.Parallel()
	run := func() []Datum {
		var got []Datum
		f := newFixture(t, nil, WithMetrics(func(ds []Datum) { got = append(got, ds...) }))
		f.sim.Advance(15 * time.Minute)
		return got
	}
	a, b := run(), run()
	require.Len(t, a, len(b))
	assert.Equal(t, a, b)
	assert.Contains(t, a[1].Dimensions["TargetGroup"], "targetgroup/web/")
}

// TestMetricsCarryTheLoadBalancer: told which load balancer routes to the
// service's target group, the ALB metrics carry both dimensions, as
// CloudWatch publishes per-target-group metrics; the task count does not.
func TestMetricsCarryTheLoadBalancer(t *testing.T) {
	t.Parallel()
	var got []Datum
	lb := "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/front/50dc6c495c0c9188"
	f := newFixture(t, nil, WithMetrics(func(ds []Datum) { got = append(got, ds...) }),
		WithLoadBalancerOf(func(string) string { return lb }))
	f.sim.Advance(3 * time.Minute)
	require.NotEmpty(t, got)
	alb := 0
	for _, d := range got {
		if d.Namespace != NamespaceALB {
			assert.NotContains(t, d.Dimensions, "LoadBalancer")
			continue
		}
		alb++
		assert.Equal(t, "app/front/50dc6c495c0c9188", d.Dimensions["LoadBalancer"])
		assert.Contains(t, d.Dimensions["TargetGroup"], "targetgroup/web/")
	}
	assert.Positive(t, alb)
}

// TestFaultOnRunningTasks: a rule injected for running tasks makes them
// exit After from the injection, and their replacements, started from the
// same revision, flap too; the running-task average drops below desired.
func TestFaultOnRunningTasks(t *testing.T) {
	t.Parallel()
	var got []Datum
	f := newFixture(t, nil, WithMetrics(func(ds []Datum) { got = append(got, ds...) }))
	f.sim.Advance(30 * time.Minute)
	f.sim.InjectFaultRunning(Fault{Kind: FaultExit, Image: "app:v1", After: 3 * time.Minute})
	f.sim.Advance(2 * time.Minute)
	require.EqualValues(t, 3, f.service().RunningCount, "nothing exits before After")
	f.sim.Advance(30 * time.Minute)
	svc := f.service()
	assert.Len(t, svc.Deployments, 1, "no deployment started")
	assert.EqualValues(t, 3, svc.DesiredCount)
	low := 0
	for _, d := range got[len(got)-60:] {
		if d.Metric == MetricRunningTaskCount && d.Value < 3 {
			low++
		}
	}
	assert.Positive(t, low, "minutes with fewer than three tasks running")
}
