package deploy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/ecsflow/ecsflow/internal/ecssim"
)

// bucketECS puts one shared token bucket in front of every ECS call, as the
// request throttling page of the ECS developer guide describes (a bucket
// per account and Region, refilled at a steady rate); an empty bucket
// answers ThrottlingException "Rate exceeded". Time is the simulator's.
type bucketECS struct {
	*ecssim.Sim
	mu       sync.Mutex
	capacity float64
	rate     float64 // tokens per second
	tokens   float64
	last     time.Time
	attempts int // every call, throttled or not
}

func newBucketECS(sim *ecssim.Sim, capacity, rate float64) *bucketECS {
	return &bucketECS{Sim: sim, capacity: capacity, rate: rate, tokens: capacity, last: sim.Now()}
}

func (b *bucketECS) take() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts++
	now := b.Sim.Now()
	b.tokens = min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded", Fault: smithy.FaultClient}
	}
	b.tokens--
	return nil
}

func throttled[T any](b *bucketECS, call func() (T, error)) (T, error) {
	if err := b.take(); err != nil {
		var zero T
		return zero, err
	}
	return call()
}

func (b *bucketECS) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, o ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	return throttled(b, func() (*ecs.DescribeServicesOutput, error) { return b.Sim.DescribeServices(ctx, in, o...) })
}

func (b *bucketECS) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, o ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	return throttled(b, func() (*ecs.UpdateServiceOutput, error) { return b.Sim.UpdateService(ctx, in, o...) })
}

func (b *bucketECS) DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, o ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	return throttled(b, func() (*ecs.DescribeTaskDefinitionOutput, error) { return b.Sim.DescribeTaskDefinition(ctx, in, o...) })
}

func (b *bucketECS) RegisterTaskDefinition(ctx context.Context, in *ecs.RegisterTaskDefinitionInput, o ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error) {
	return throttled(b, func() (*ecs.RegisterTaskDefinitionOutput, error) { return b.Sim.RegisterTaskDefinition(ctx, in, o...) })
}

func (b *bucketECS) ListTasks(ctx context.Context, in *ecs.ListTasksInput, o ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	return throttled(b, func() (*ecs.ListTasksOutput, error) { return b.Sim.ListTasks(ctx, in, o...) })
}

func (b *bucketECS) DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, o ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	return throttled(b, func() (*ecs.DescribeTasksOutput, error) { return b.Sim.DescribeTasks(ctx, in, o...) })
}

func (b *bucketECS) DescribeServiceDeployments(ctx context.Context, in *ecs.DescribeServiceDeploymentsInput, o ...func(*ecs.Options)) (*ecs.DescribeServiceDeploymentsOutput, error) {
	return throttled(b, func() (*ecs.DescribeServiceDeploymentsOutput, error) {
		return b.Sim.DescribeServiceDeployments(ctx, in, o...)
	})
}

func (b *bucketECS) ListServiceDeployments(ctx context.Context, in *ecs.ListServiceDeploymentsInput, o ...func(*ecs.Options)) (*ecs.ListServiceDeploymentsOutput, error) {
	return throttled(b, func() (*ecs.ListServiceDeploymentsOutput, error) { return b.Sim.ListServiceDeployments(ctx, in, o...) })
}

func (b *bucketECS) StopServiceDeployment(ctx context.Context, in *ecs.StopServiceDeploymentInput, o ...func(*ecs.Options)) (*ecs.StopServiceDeploymentOutput, error) {
	return throttled(b, func() (*ecs.StopServiceDeploymentOutput, error) { return b.Sim.StopServiceDeployment(ctx, in, o...) })
}

func (b *bucketECS) ContinueServiceDeployment(ctx context.Context, in *ecs.ContinueServiceDeploymentInput, o ...func(*ecs.Options)) (*ecs.ContinueServiceDeploymentOutput, error) {
	return throttled(b, func() (*ecs.ContinueServiceDeploymentOutput, error) {
		return b.Sim.ContinueServiceDeployment(ctx, in, o...)
	})
}

// fleetTiming makes a rolling deployment of one service take about 4 s.
var fleetTiming = ecssim.Timing{Provisioning: time.Second, Pull: time.Second, HealthCheck: time.Second, Drain: time.Second}

// BenchmarkFleet50HarshThrottling: one deploy-ecs run (images input, one
// wave) of 50 services behind a harsh shared token bucket (20 tokens, 5 per
// second). Reports ECS calls per service (throttled attempts included) and
// the simulated duration of the run (goal: at most 3.5 calls per service).
func BenchmarkFleet50HarshThrottling(b *testing.B) {
	names := make([]string, 50)
	for i := range names {
		names[i] = fmt.Sprintf("svc%02d", i)
	}
	var calls, secs float64
	for i := 0; i < b.N; i++ {
		e := newEnvWith(b, []ecssim.Option{ecssim.WithTiming(fleetTiming)}, nil, names...)
		client := newBucketECS(e.sim, 20, 5)
		start := e.sim.Now()
		r := e.runActionOn(b, client, map[string]string{"cluster": "prod", "service": strings.Join(names, "\n"),
			"images": fmt.Sprintf("app=registry.example.com/app:v%d", i+2)})
		if r.code != 0 {
			b.Fatalf("fleet deploy exit %d: %s", r.code, r.stdout)
		}
		calls += float64(client.attempts) / float64(len(names))
		secs += e.sim.Now().Sub(start).Seconds()
	}
	b.ReportMetric(calls/float64(b.N), "calls/service")
	b.ReportMetric(secs/float64(b.N), "s-simulated")
}
