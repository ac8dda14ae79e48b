package sandbox_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// BenchmarkStartStop measures a cold sandbox: moto, the registry and the
// proxy up and answering, then stopped.
func BenchmarkStartStop(b *testing.B) {
	for b.Loop() {
		sb, err := sandbox.Start(context.Background(), sandbox.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := sb.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeed measures seeding the example stack into a fresh region of
// the shared sandbox, and reports the AWS calls it takes.
func BenchmarkSeed(b *testing.B) {
	sb := sandboxtest.Start(b)
	regions := []string{"us-east-2", "us-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2"}
	i := 0
	sb.ResetCalls()
	for b.Loop() {
		if i == len(regions) {
			b.StopTimer()
			if err := sb.Reset(context.Background()); err != nil {
				b.Fatal(err)
			}
			i = 0
			b.StartTimer()
		}
		if _, err := sb.Seed(context.Background(), sandbox.SeedOptions{Region: regions[i], Project: fmt.Sprintf("bench%d", i)}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	calls := 0
	for _, c := range sb.Calls() {
		calls += c.Count
	}
	b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
}
