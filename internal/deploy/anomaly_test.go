package deploy

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/cwsim"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
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
