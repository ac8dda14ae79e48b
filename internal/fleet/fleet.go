// Package fleet reads what runs for the cost report: each ECS service's
// task size, desired count, capacity provider strategy, CPU architecture,
// images and autoscaling target, as cost.Service values without usage
// (internal/utilisation reads that) or Terraform lines (cost.Locate).
package fleet

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/planjson"
)

// ECSAPI is the ECS calls the reader makes.
type ECSAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// ScalingAPI is the Application Auto Scaling calls the reader makes.
type ScalingAPI interface {
	DescribeScalableTargets(ctx context.Context, in *aas.DescribeScalableTargetsInput, optFns ...func(*aas.Options)) (*aas.DescribeScalableTargetsOutput, error)
	DescribeScheduledActions(ctx context.Context, in *aas.DescribeScheduledActionsInput, optFns ...func(*aas.Options)) (*aas.DescribeScheduledActionsOutput, error)
}

// describeBatch is the most services one DescribeServices call takes.
const describeBatch = 10

// Services reads the named services of cluster, in environment env.
func Services(ctx context.Context, e ECSAPI, s ScalingAPI, cluster, env string, names []string) ([]cost.Service, error) {
	var out []cost.Service
	for start := 0; start < len(names); start += describeBatch {
		batch := names[start:min(start+describeBatch, len(names))]
		resp, err := e.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: batch})
		if err != nil {
			return nil, fmt.Errorf("failed to describe services %s in cluster %s (the role needs ecs:DescribeServices): %w", strings.Join(batch, ", "), cluster, err)
		}
		if len(resp.Failures) > 0 {
			f := resp.Failures[0]
			return nil, fmt.Errorf("service %s in cluster %s: %s; check the cluster and service names", aws.ToString(f.Arn), cluster, aws.ToString(f.Reason))
		}
		for _, svc := range resp.Services {
			cs, err := service(ctx, e, s, cluster, env, svc)
			if err != nil {
				return nil, err
			}
			out = append(out, cs)
		}
	}
	return out, nil
}

func service(ctx context.Context, e ECSAPI, s ScalingAPI, cluster, env string, svc ecstypes.Service) (cost.Service, error) {
	name := aws.ToString(svc.ServiceName)
	cs := cost.Service{Name: name, Cluster: cluster, Environment: env, DesiredCount: int(svc.DesiredCount)}
	for _, cp := range svc.CapacityProviderStrategy {
		cs.CapacityProviders = append(cs.CapacityProviders, cost.CapacityProvider{Name: aws.ToString(cp.CapacityProvider), Base: int(cp.Base), Weight: int(cp.Weight)})
	}
	td, err := e.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition})
	if err != nil {
		return cs, fmt.Errorf("failed to describe task definition %s of service %s (the role needs ecs:DescribeTaskDefinition): %w", aws.ToString(svc.TaskDefinition), name, err)
	}
	if err := taskSize(&cs, td.TaskDefinition); err != nil {
		return cs, err
	}
	if err := scaling(ctx, s, &cs); err != nil {
		return cs, err
	}
	return cs, nil
}

func taskSize(cs *cost.Service, td *ecstypes.TaskDefinition) error {
	if td == nil {
		return fmt.Errorf("service %s: ECS returned no task definition", cs.Name)
	}
	cpu, okC := planjson.ParseCPU(aws.ToString(td.Cpu))
	mem, okM := planjson.ParseMemory(aws.ToString(td.Memory))
	if !okC || !okM {
		return fmt.Errorf("service %s: task definition %s has no task-level cpu and memory (cpu %q, memory %q): the report covers Fargate tasks",
			cs.Name, aws.ToString(td.TaskDefinitionArn), aws.ToString(td.Cpu), aws.ToString(td.Memory))
	}
	cs.CPU, cs.Memory = cpu, mem
	if rp := td.RuntimePlatform; rp != nil {
		cs.Architecture, cs.OSFamily = string(rp.CpuArchitecture), string(rp.OperatingSystemFamily)
	}
	for _, c := range td.ContainerDefinitions {
		// Platforms stay unknown here: the registry answers for them.
		cs.Images = append(cs.Images, cost.Image{Ref: aws.ToString(c.Image)})
	}
	return nil
}

func scaling(ctx context.Context, s ScalingAPI, cs *cost.Service) error {
	id := "service/" + cs.Cluster + "/" + cs.Name
	t, err := s.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{id},
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
	})
	if err != nil {
		return fmt.Errorf("failed to read the autoscaling target of %s (the role needs application-autoscaling:DescribeScalableTargets): %w", id, err)
	}
	if len(t.ScalableTargets) == 0 {
		return nil
	}
	st := t.ScalableTargets[0]
	cs.Scaling = &cost.Scaling{Min: int(aws.ToInt32(st.MinCapacity)), Max: int(aws.ToInt32(st.MaxCapacity))}
	a, err := s.DescribeScheduledActions(ctx, &aas.DescribeScheduledActionsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(id),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
	})
	if err != nil {
		return fmt.Errorf("failed to read the scheduled actions of %s (the role needs application-autoscaling:DescribeScheduledActions): %w", id, err)
	}
	cs.Scheduled = len(a.ScheduledActions) > 0
	return nil
}
