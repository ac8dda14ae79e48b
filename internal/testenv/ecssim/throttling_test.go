package ecssim

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

func isThrottle(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ThrottlingException" && ae.ErrorMessage() == "Rate exceeded"
}

// burst makes calls of one kind at one instant until one is throttled and
// returns how many got through (at most limit).
func burst(sim *Sim, read bool, limit int) int {
	ctx := context.Background()
	for n := 0; n < limit; n++ {
		var err error
		if read {
			_, err = sim.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"c1"}})
		} else {
			_, err = sim.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: ptr("c1")})
		}
		if isThrottle(err) {
			return n
		}
		if err != nil {
			panic(err)
		}
	}
	return limit
}

func TestTokenBuckets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts []Option
		// calls that get through: reads then writes at t0, then each again
		// one second later
		reads, writes, readsLater, writesLater int
	}{
		{name: "default is on, reads and writes apart", reads: 50, writes: 50, readsLater: 20, writesLater: 5},
		{name: "harsh shares one bucket", opts: []Option{WithThrottling(HarshThrottling)}, reads: 20, writes: 0, readsLater: 5, writesLater: 0},
		{name: "none", opts: []Option{WithThrottling(NoThrottling)}, reads: 500, writes: 500, readsLater: 500, writesLater: 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := NewFakeClock(t0)
			sim := New(clock, tc.opts...)
			got := []int{burst(sim, true, 500), burst(sim, false, 500)}
			clock.Advance(time.Second)
			got = append(got, burst(sim, true, 500), burst(sim, false, 500))
			require.Equal(t, []int{tc.reads, tc.writes, tc.readsLater, tc.writesLater}, got)
		})
	}
}

func TestTokenBucketRefillsOnTheSimulatorClock(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(t0)
	sim := New(clock, WithThrottling(HarshThrottling))
	require.Equal(t, 20, burst(sim, true, 100))
	clock.Advance(200 * time.Millisecond) // one token
	require.Equal(t, 1, burst(sim, true, 100))
	clock.Advance(time.Hour) // never more than the capacity
	require.Equal(t, 20, burst(sim, true, 100))
	calls := sim.Calls()["DescribeClusters"]
	require.Equal(t, 20+1+1+1+20+1, calls, "throttled calls are counted too")
}

// TestThrottlingOnTheWire checks that an empty bucket answers over HTTP as
// ECS does (400, ThrottlingException, "Rate exceeded") and that the SDK's
// standard retryer treats it as a throttle.
func TestThrottlingOnTheWire(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(t0)
	sim := New(clock, WithThrottling(TokenBuckets{Reads: TokenBucket{Capacity: 1, Refill: 1}, Shared: true}))
	srv := httptest.NewServer(NewHandler(sim, nil))
	defer srv.Close()
	ctx := context.Background()
	c := newClient(srv.URL, 1)
	ok(c.ListClusters(ctx, &ecs.ListClustersInput{}))
	_, err := c.ListClusters(ctx, &ecs.ListClustersInput{})
	require.True(t, isThrottle(err), "got %v", err)
	var re interface{ HTTPStatusCode() int }
	require.ErrorAs(t, err, &re)
	require.Equal(t, 400, re.HTTPStatusCode())
	clock.Advance(time.Second)
	ok(c.ListClusters(ctx, &ecs.ListClustersInput{}))
}

// TestWaveUnderThrottling deploys thirty services at once and polls them the
// way a deployer does, backing off one second after a throttle, in both
// throttling modes: the rollouts complete either way, and only harsh
// throttling turns calls away.
func TestWaveUnderThrottling(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		buckets   TokenBuckets
		throttled bool
	}{
		{name: "default", buckets: DefaultThrottling},
		{name: "harsh", buckets: HarshThrottling, throttled: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := NewFakeClock(t0)
			sim := New(clock, WithThrottling(tc.buckets))
			ctx := context.Background()
			throttles := 0
			call := func(fn func() error) {
				for {
					err := fn()
					if !isThrottle(err) {
						require.NoError(t, err)
						return
					}
					throttles++
					clock.Advance(time.Second)
				}
			}
			call(func() error {
				_, err := sim.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: ptr("c1")})
				return err
			})
			for _, img := range []string{"a:1", "a:2"} {
				call(func() error {
					_, err := sim.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: ptr("app"),
						ContainerDefinitions: []types.ContainerDefinition{{Name: ptr("a"), Image: ptr(img)}}})
					return err
				})
			}
			names := make([]string, 30)
			for i := range names {
				names[i] = fmt.Sprintf("s%d", i)
				call(func() error {
					_, err := sim.CreateService(ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr(names[i]), TaskDefinition: ptr("app:1"), DesiredCount: ptr(int32(2))})
					return err
				})
			}
			clock.Advance(2 * time.Minute)
			arns := make([]string, len(names))
			for i, n := range names {
				call(func() error {
					out, err := sim.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr(n), TaskDefinition: ptr("app:2")})
					if err == nil {
						arns[i] = *out.Service.CurrentServiceDeployment
					}
					return err
				})
			}
			done := map[string]bool{}
			for len(done) < len(arns) {
				require.Less(t, clock.Now().Sub(t0), time.Hour, "wave did not complete")
				clock.Advance(5 * time.Second)
				for _, arn := range arns {
					call(func() error {
						out, err := sim.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}})
						if err == nil && len(out.ServiceDeployments) == 1 && out.ServiceDeployments[0].Status == types.ServiceDeploymentStatusSuccessful {
							done[arn] = true
						}
						return err
					})
				}
			}
			require.Equal(t, tc.throttled, throttles > 0, "throttled %d calls", throttles)
		})
	}
}

func TestHarshThrottlingIsTheFleetBucket(t *testing.T) {
	t.Parallel()
	require.Equal(t, TokenBuckets{Reads: TokenBucket{Capacity: 20, Refill: 5}, Shared: true}, HarshThrottling)
	for op, read := range map[string]bool{"ListServiceDeployments": true, "DescribeTasks": true, "UpdateService": false, "RegisterTaskDefinition": false} {
		require.Equal(t, read, isRead(op), op)
	}
}
