package fleet_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/fleet"
)

// fakeECS knows services by name and task definitions by ARN.
type fakeECS struct {
	services map[string]ecstypes.Service
	tds      map[string]ecstypes.TaskDefinition
	calls    [][]string
}

func (f *fakeECS) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	f.calls = append(f.calls, in.Services)
	out := &ecs.DescribeServicesOutput{}
	for _, n := range in.Services {
		s, ok := f.services[n]
		if !ok {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: aws.String(n), Reason: aws.String("MISSING")})
			continue
		}
		out.Services = append(out.Services, s)
	}
	return out, nil
}

func (f *fakeECS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	td, ok := f.tds[aws.ToString(in.TaskDefinition)]
	if !ok {
		return nil, fmt.Errorf("ClientException: unable to describe task definition")
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &td}, nil
}

// fakeScaling has a target for "service/apps/web" with one scheduled action.
type fakeScaling struct{}

func (fakeScaling) DescribeScalableTargets(_ context.Context, in *aas.DescribeScalableTargetsInput, _ ...func(*aas.Options)) (*aas.DescribeScalableTargetsOutput, error) {
	if in.ResourceIds[0] != "service/apps/web" {
		return &aas.DescribeScalableTargetsOutput{}, nil
	}
	return &aas.DescribeScalableTargetsOutput{ScalableTargets: []aastypes.ScalableTarget{{MinCapacity: aws.Int32(2), MaxCapacity: aws.Int32(6)}}}, nil
}

func (fakeScaling) DescribeScheduledActions(_ context.Context, in *aas.DescribeScheduledActionsInput, _ ...func(*aas.Options)) (*aas.DescribeScheduledActionsOutput, error) {
	return &aas.DescribeScheduledActionsOutput{ScheduledActions: []aastypes.ScheduledAction{{ScheduledActionName: aws.String("night")}}}, nil
}

func stack(n int) *fakeECS {
	f := &fakeECS{services: map[string]ecstypes.Service{}, tds: map[string]ecstypes.TaskDefinition{
		"web:3": {TaskDefinitionArn: aws.String("web:3"), Cpu: aws.String("1 vCPU"), Memory: aws.String("2 GB"),
			RuntimePlatform:      &ecstypes.RuntimePlatform{CpuArchitecture: ecstypes.CPUArchitectureArm64, OperatingSystemFamily: ecstypes.OSFamilyLinux},
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Image: aws.String("r/web@sha256:1")}, {Image: aws.String("r/proxy:1")}}},
		"job:1": {TaskDefinitionArn: aws.String("job:1"), Cpu: aws.String("256"), Memory: aws.String("512")},
	}}
	f.services["web"] = ecstypes.Service{ServiceName: aws.String("web"), DesiredCount: 2, TaskDefinition: aws.String("web:3"),
		CapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Base: 1, Weight: 1}}}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("job-%d", i)
		f.services[name] = ecstypes.Service{ServiceName: aws.String(name), DesiredCount: 1, TaskDefinition: aws.String("job:1")}
	}
	return f
}

func TestServices(t *testing.T) {
	t.Parallel()
	f := stack(11)
	names := []string{"web"}
	for i := 0; i < 11; i++ {
		names = append(names, fmt.Sprintf("job-%d", i))
	}
	got, err := fleet.Services(context.Background(), f, fakeScaling{}, "apps", "staging", names)
	require.NoError(t, err)
	require.Len(t, got, 12)
	require.Equal(t, [][]string{names[:10], names[10:]}, f.calls, "DescribeServices takes at most 10 services")
	require.Equal(t, cost.Service{
		Name: "web", Cluster: "apps", Environment: "staging", CPU: 1024, Memory: 2048, DesiredCount: 2,
		Scaling: &cost.Scaling{Min: 2, Max: 6}, Scheduled: true,
		CapacityProviders: []cost.CapacityProvider{{Name: "FARGATE", Base: 1, Weight: 1}},
		Architecture:      "ARM64", OSFamily: "LINUX",
		Images: []cost.Image{{Ref: "r/web@sha256:1"}, {Ref: "r/proxy:1"}},
	}, got[0])
	require.Equal(t, cost.Service{Name: "job-0", Cluster: "apps", Environment: "staging", CPU: 256, Memory: 512, DesiredCount: 1}, got[1],
		"no autoscaling target, no capacity providers, no containers")
}

func TestServicesErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*fakeECS)
		names []string
		want  string
	}{
		{"missing service", nil, []string{"nope"}, "service nope in cluster apps: MISSING; check the cluster and service names"},
		{"task definition gone", func(f *fakeECS) { delete(f.tds, "web:3") }, []string{"web"},
			"failed to describe task definition web:3 of service web (the role needs ecs:DescribeTaskDefinition)"},
		{"no task-level size", func(f *fakeECS) { td := f.tds["job:1"]; td.Cpu = nil; f.tds["job:1"] = td }, []string{"job-0"},
			`service job-0: task definition job:1 has no task-level cpu and memory (cpu "", memory "512"): the report covers Fargate tasks`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := stack(1)
			if tc.edit != nil {
				tc.edit(f)
			}
			_, err := fleet.Services(context.Background(), f, fakeScaling{}, "apps", "dev", tc.names)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
