package drift

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

// AutoscalingAPI is the part of the Application Auto Scaling API drift-check reads.
type AutoscalingAPI interface {
	DescribeScalableTargets(ctx context.Context, in *aas.DescribeScalableTargetsInput, optFns ...func(*aas.Options)) (*aas.DescribeScalableTargetsOutput, error)
	DescribeScalingPolicies(ctx context.Context, in *aas.DescribeScalingPoliciesInput, optFns ...func(*aas.Options)) (*aas.DescribeScalingPoliciesOutput, error)
}

// DiscoveryAPI is the part of the Cloud Map API drift-check reads.
type DiscoveryAPI interface {
	GetService(ctx context.Context, in *sd.GetServiceInput, optFns ...func(*sd.Options)) (*sd.GetServiceOutput, error)
	ListTagsForResource(ctx context.Context, in *sd.ListTagsForResourceInput, optFns ...func(*sd.Options)) (*sd.ListTagsForResourceOutput, error)
}

func init() {
	specs["aws_appautoscaling_target"] = spec{}
	specs["aws_appautoscaling_policy"] = spec{}
	specs["aws_service_discovery_service"] = spec{
		maps: map[string]bool{"tags": true},
		sets: map[string][]string{},
	}
	register(handler{
		types: []string{"aws_appautoscaling_target", "aws_appautoscaling_policy"},
		need:  func(c Clients) bool { return c.Autoscaling != nil },
		run:   scanAutoscaling,
	})
	register(handler{
		types: []string{"aws_service_discovery_service"},
		need:  func(c Clients) bool { return c.Discovery != nil },
		run:   scanDiscovery,
	})
}

func scanAutoscaling(ctx context.Context, s *Scanner, items map[string][]*item) error {
	// Targets and policies are read per namespace (ecs for this stack), 50 a page.
	type key struct{ ns, id, dim string }
	targets := map[key]*item{}
	namespaces := map[string]bool{}
	for _, it := range items["aws_appautoscaling_target"] {
		ns := it.obj.String("service_namespace")
		namespaces[ns] = true
		targets[key{ns, it.obj.String("resource_id"), it.obj.String("scalable_dimension")}] = it
	}
	policies := map[string]*item{}
	pns := map[string]bool{}
	for _, it := range items["aws_appautoscaling_policy"] {
		ns := it.obj.String("service_namespace")
		pns[ns] = true
		policies[ns+"|"+it.obj.String("resource_id")+"|"+it.obj.String("name")] = it
	}
	for ns := range namespaces {
		var ids []string
		for k := range targets {
			if k.ns == ns {
				ids = append(ids, k.id)
			}
		}
		for _, batch := range chunk(ids, 50) {
			err := pages(ctx, s, func(token *string) (*string, error) {
				out, err := s.c.Autoscaling.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{
					ServiceNamespace: aastypes.ServiceNamespace(ns), ResourceIds: batch, NextToken: token})
				if err != nil {
					return nil, err
				}
				for _, t := range out.ScalableTargets {
					it := targets[key{ns, aws.ToString(t.ResourceId), string(t.ScalableDimension)}]
					if it == nil {
						continue
					}
					it.found, it.arn = true, aws.ToString(t.ScalableTargetARN)
					it.live = map[string]any{"min_capacity": int(aws.ToInt32(t.MinCapacity)), "max_capacity": int(aws.ToInt32(t.MaxCapacity))}
				}
				return out.NextToken, nil
			})
			if err != nil {
				return err
			}
		}
	}
	for ns := range pns {
		err := pages(ctx, s, func(token *string) (*string, error) {
			out, err := s.c.Autoscaling.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{
				ServiceNamespace: aastypes.ServiceNamespace(ns), NextToken: token})
			if err != nil {
				return nil, err
			}
			for _, p := range out.ScalingPolicies {
				it := policies[ns+"|"+aws.ToString(p.ResourceId)+"|"+aws.ToString(p.PolicyName)]
				if it == nil {
					continue
				}
				it.found, it.arn = true, aws.ToString(p.PolicyARN)
				it.live = map[string]any{"policy_type": string(p.PolicyType)}
				if c := p.TargetTrackingScalingPolicyConfiguration; c != nil {
					m := map[string]any{
						"target_value":       aws.ToFloat64(c.TargetValue),
						"scale_in_cooldown":  int(aws.ToInt32(c.ScaleInCooldown)),
						"scale_out_cooldown": int(aws.ToInt32(c.ScaleOutCooldown)),
						"disable_scale_in":   aws.ToBool(c.DisableScaleIn),
					}
					if pm := c.PredefinedMetricSpecification; pm != nil {
						m["predefined_metric_specification"] = []any{map[string]any{"predefined_metric_type": string(pm.PredefinedMetricType)}}
					}
					it.live["target_tracking_scaling_policy_configuration"] = []any{m}
				}
			}
			return out.NextToken, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func scanDiscovery(ctx context.Context, s *Scanner, items map[string][]*item) error {
	return each(ctx, items["aws_service_discovery_service"], func(it *item) error {
		out, err := call(ctx, s, func() (*sd.GetServiceOutput, error) {
			return s.c.Discovery.GetService(ctx, &sd.GetServiceInput{Id: aws.String(it.obj.ID())})
		})
		if err != nil {
			if isCode(err, "ServiceNotFound") {
				return nil
			}
			return err
		}
		svc := out.Service
		it.found, it.arn = true, aws.ToString(svc.Arn)
		it.live = map[string]any{"name": aws.ToString(svc.Name), "description": aws.ToString(svc.Description)}
		if dc := svc.DnsConfig; dc != nil {
			var recs []any
			for _, r := range dc.DnsRecords {
				recs = append(recs, map[string]any{"ttl": int(aws.ToInt64(r.TTL)), "type": string(r.Type)})
			}
			it.live["dns_config"] = []any{map[string]any{"routing_policy": string(dc.RoutingPolicy), "dns_records": recs}}
		}
		tags, err := call(ctx, s, func() (*sd.ListTagsForResourceOutput, error) {
			return s.c.Discovery.ListTagsForResource(ctx, &sd.ListTagsForResourceInput{ResourceARN: svc.Arn})
		})
		if err != nil {
			if s.partial("aws_service_discovery_service", "tags", err) {
				return nil
			}
			return err
		}
		m := map[string]any{}
		for _, t := range tags.Tags {
			m[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		it.live["tags"] = m
		return nil
	})
}
