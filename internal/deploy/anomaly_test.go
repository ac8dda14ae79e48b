package deploy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/cwsim"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/simaccount"
	"github.com/ecsflow/ecsflow/internal/testenv/simclock"
)

// TestAnomalyGate: a datapoint since the gate started outside CloudWatch's
// band (the stand-in's) fails it on the chosen side, naming the metric,
// the value, the band and the time; inside the band, or before the model
// has trained, it passes.
func TestAnomalyGate(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	series := func(last float64) []ecssim.Datum {
		var ds []ecssim.Datum
		for i := range 30 {
			v := float64(i % 3) // 0, 1, 2: baseline 5xx a minute
			if i == 29 {
				v = last
			}
			ds = append(ds, ecssim.Datum{Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count",
				Dimensions: map[string]string{"TargetGroup": "targetgroup/web/1"}, Timestamp: t0.Add(time.Duration(i) * time.Minute), Value: v})
		}
		return ds
	}
	gate := AnomalyGate{Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count", Stat: "Sum",
		Dimensions: map[string]string{"TargetGroup": "targetgroup/web/1"}}
	cases := []struct {
		name   string
		last   float64
		side   string
		since  time.Duration
		want   verdict
		reason string
	}{
		{"spike above the band", 30, AboveBand, 28 * time.Minute, fail, "anomaly gate AWS/ApplicationELB:HTTPCode_Target_5XX_Count{TargetGroup=targetgroup/web/1}: Sum 30 at 2026-01-02T03:29:00Z is outside the band"},
		{"spike, but only drops count", 30, BelowBand, 28 * time.Minute, pass, ""},
		{"drop below the band", -5, OutsideBand, 28 * time.Minute, fail, "Sum -5 at 2026-01-02T03:29:00Z"},
		{"normal value", 2, OutsideBand, 28 * time.Minute, pass, ""},
		{"spike before the gate started is not this deployment's", 30, AboveBand, 30 * time.Minute, pass, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cw := cwsim.New()
			cw.AddData(series(tc.last))
			now := t0.Add(30 * time.Minute)
			e := &Engine{CloudWatch: cw, Clock: simclock.Manual{NowFunc: func() time.Time { return now }}}
			g := gate
			g.Side = tc.side
			v, reason := e.checkAnomaly(context.Background(), g, t0.Add(tc.since))
			require.Equal(t, tc.want, v, reason)
			assert.Contains(t, reason, tc.reason)
		})
	}
	t.Run("untrained model passes", func(t *testing.T) {
		t.Parallel()
		cw := cwsim.New()
		cw.AddData(series(30)[25:])
		now := t0.Add(30 * time.Minute)
		e := &Engine{CloudWatch: cw, Clock: simclock.Manual{NowFunc: func() time.Time { return now }}}
		v, _ := e.checkAnomaly(context.Background(), gate, t0.Add(25*time.Minute))
		assert.Equal(t, pass, v)
	})
}

func TestParseAnomalyMetric(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want AnomalyGate
		err  string
	}{
		{"AWS/ApplicationELB:HTTPCode_Target_5XX_Count:above", AnomalyGate{Namespace: NamespaceALB, Metric: MetricTarget5XX, Side: AboveBand, Stat: "Sum"}, ""},
		{"AWS/ApplicationELB:TargetResponseTime:above", AnomalyGate{Namespace: NamespaceALB, Metric: MetricTargetResponse, Side: AboveBand, Stat: "p90"}, ""},
		{"ECS/ContainerInsights:RunningTaskCount:below", AnomalyGate{Namespace: NamespaceInsights, Metric: MetricRunningTaskCount, Side: BelowBand, Stat: "Average"}, ""},
		{"AWS/ECS:CPUUtilization:outside:p99.9", AnomalyGate{Namespace: "AWS/ECS", Metric: "CPUUtilization", Side: OutsideBand, Stat: "p99.9"}, ""},
		{"AWS/ApplicationELB:RequestCount", AnomalyGate{}, "is not namespace:metric:side"},
		{"AWS/Lambda:Errors:above", AnomalyGate{}, `namespace "AWS/Lambda"`},
		{"AWS/ApplicationELB:Target Response:above", AnomalyGate{}, "is not a CloudWatch metric name"},
		{"AWS/ApplicationELB:RequestCount:up", AnomalyGate{}, `side "up"`},
		{"AWS/ApplicationELB:RequestCount:above:Median", AnomalyGate{}, `statistic "Median"`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			g, err := ParseAnomalyMetric(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, g)
		})
	}
}

// errors5pctDuringCanary: after an hour of normal traffic web:errors5pct
// goes out as a 20 % canary with the 5xx count as an anomaly gate; the
// canary's errors leave the band, the gate fails and ECS returns traffic
// to web:1. It returns MTTD (first datapoint outside the band to the
// gate's failure) and MTTR (to the service steady on web:1 again).
func errors5pctDuringCanary(t testing.TB) (time.Duration, time.Duration) {
	cw := cwsim.New()
	e := newEnvWith(t, []ecssim.Option{ecssim.WithMetrics(cw.AddData)}, nil, "web")
	e.engine.CloudWatch, e.engine.ELB = cw, simaccount.ELB{Sim: e.Sim}
	e.Sim.Advance(70 * time.Minute)
	e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultErrors, Image: "web:errors5pct", ErrorRate: 0.05})
	gate, err := ParseAnomalyMetric("AWS/ApplicationELB:HTTPCode_Target_5XX_Count:above")
	require.NoError(t, err)
	p := e.plan("errors5pct", "", "web")
	p.Strategy = Strategy{Kind: "canary", CanaryPercent: 20, CanaryBakeTime: 10 * time.Minute}
	p.Gates.Anomaly = []AnomalyGate{gate}
	start := e.Sim.Now()
	res := e.run(context.Background(), p)
	require.Equal(t, RolledBack, res.Status, e.summary(res))
	recovered := e.Sim.Now()
	e.SteadyOn("web", "web:1")
	contains(t, e.summary(res), "anomaly gate AWS/ApplicationELB:HTTPCode_Target_5XX_Count{TargetGroup=targetgroup/web/0123456789abcdef}: Sum", "outside the band")

	var detected time.Time
	for _, ev := range res.Timeline {
		if detected.IsZero() && strings.Contains(ev.What, "anomaly gate") {
			detected = ev.At
		}
	}
	require.False(t, detected.IsZero(), "the timeline names the gate's failure: %+v", res.Timeline)
	at := e.engine.Clock
	e.engine.Clock = simclock.Manual{NowFunc: func() time.Time { return detected }}
	defer func() { e.engine.Clock = at }()
	g, err := e.engine.ForService(context.Background(), []AnomalyGate{gate}, e.Service("web"))
	require.NoError(t, err)
	first, err := e.engine.FirstAnomaly(context.Background(), g[0], start)
	require.NoError(t, err)
	require.NotNil(t, first)
	return detected.Sub(first.At), recovered.Sub(first.At)
}

func TestAnomalyGateErrors5pctDuringCanaryRollsBack(t *testing.T) {
	t.Parallel()
	mttd, mttr := errors5pctDuringCanary(t)
	t.Logf("errors5pct: MTTD %s, MTTR %s", mttd, mttr)
	assert.LessOrEqual(t, mttd, 2*time.Minute, "the seed's MTTD target")
	assert.LessOrEqual(t, mttr, 10*time.Minute, "the seed's MTTR target")
}
