package deployecs

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

// fleetTiming makes a rolling deployment of one service take about 4 s.
var fleetTiming = ecssim.Timing{Provisioning: time.Second, Pull: time.Second, HealthCheck: time.Second, Drain: time.Second}

// BenchmarkFleet50HarshThrottling: one deploy-ecs run (images input, one
// wave) of 50 services under ecssim.HarshThrottling (one shared bucket of 20
// tokens refilled at 5 per second). Reports ECS calls per service (throttled attempts included) and
// the simulated duration of the run (goal: at most 3.5 calls per service).
func BenchmarkFleet50HarshThrottling(b *testing.B) {
	names := make([]string, 50)
	for i := range names {
		names[i] = fmt.Sprintf("svc%02d", i)
	}
	var calls, secs float64
	for i := 0; i < b.N; i++ {
		e := newEnvWith(b, []ecssim.Option{ecssim.WithTiming(fleetTiming), ecssim.WithThrottling(ecssim.HarshThrottling)}, nil, names...)
		e.Sim.Advance(10 * time.Second) // the bucket is full again after the set-up
		e.Sim.ResetCalls()
		start := e.Sim.Now()
		r := e.runAction(b, map[string]string{"cluster": "prod", "service": strings.Join(names, "\n"),
			"images": fmt.Sprintf("app=registry.example.com/app:v%d", i+2)})
		if r.code != 0 {
			b.Fatalf("fleet deploy exit %d: %s", r.code, r.stdout)
		}
		calls += float64(e.Sim.TotalCalls()) / float64(len(names))
		secs += e.Sim.Now().Sub(start).Seconds()
	}
	b.ReportMetric(calls/float64(b.N), "calls/service")
	b.ReportMetric(secs/float64(b.N), "s-simulated")
}
