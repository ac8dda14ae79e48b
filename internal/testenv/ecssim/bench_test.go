package ecssim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// BenchmarkWave measures the simulator's own cost: 20 services of 4 tasks
// each deploy a new revision at once while a poller describes them every
// 15 simulated seconds until all have completed (about 2 simulated minutes).
func BenchmarkWave(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		clock := NewFakeClock(t0)
		sim := New(clock)
		_, _ = sim.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: ptr("c1")})
		for _, img := range []string{"a:1", "a:2"} {
			_, _ = sim.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: ptr("app"),
				ContainerDefinitions: []types.ContainerDefinition{{Name: ptr("a"), Image: ptr(img)}}})
		}
		names := make([]string, 20)
		for i := range names {
			names[i] = fmt.Sprintf("s%d", i)
			_, _ = sim.CreateService(ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr(names[i]), TaskDefinition: ptr("app:1"), DesiredCount: ptr(int32(4))})
		}
		sim.Advance(2 * time.Minute)
		for _, n := range names {
			_, _ = sim.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr(n), TaskDefinition: ptr("app:2")})
		}
		for done := false; !done; {
			clock.Advance(15 * time.Second)
			done = true
			for i := 0; i < len(names); i += 10 {
				out, err := sim.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: ptr("c1"), Services: names[i : i+10]})
				if err != nil {
					b.Fatal(err)
				}
				for _, s := range out.Services {
					if len(s.Deployments) != 1 || s.Deployments[0].RolloutState != types.DeploymentRolloutStateCompleted {
						done = false
					}
				}
			}
			if clock.Now().Sub(t0) > time.Hour {
				b.Fatal("wave did not complete")
			}
		}
	}
}
