package drift

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
)

// AutoscalingAPI is the part of the Application Auto Scaling API drift-check reads.
type AutoscalingAPI interface {
	DescribeScalableTargets(ctx context.Context, in *aas.DescribeScalableTargetsInput, optFns ...func(*aas.Options)) (*aas.DescribeScalableTargetsOutput, error)
	DescribeScalingPolicies(ctx context.Context, in *aas.DescribeScalingPoliciesInput, optFns ...func(*aas.Options)) (*aas.DescribeScalingPoliciesOutput, error)
	DescribeScheduledActions(ctx context.Context, in *aas.DescribeScheduledActionsInput, optFns ...func(*aas.Options)) (*aas.DescribeScheduledActionsOutput, error)
}

// autoscalingHandler reads Application Auto Scaling targets, policies and
// scheduled actions.
var autoscalingHandler = handler{
	types: []typeSpec{
		{"aws_appautoscaling_target", spec{}},
		{"aws_appautoscaling_policy", spec{}},
		{"aws_appautoscaling_scheduled_action", spec{}},
	},
	need: func(c Clients) bool { return c.Autoscaling != nil },
	run:  scanAutoscaling,
}

// scalableKey names a scalable target: namespace, resource and dimension.
type scalableKey struct{ ns, id, dim string }

// scanAutoscaling reads targets, policies and scheduled actions per
// namespace (ecs for this stack), 50 a page.
func scanAutoscaling(ctx context.Context, s *Scanner, items map[string][]*item) error {
	targets := map[scalableKey]*item{}
	namespaces := map[string]bool{}
	for _, it := range items["aws_appautoscaling_target"] {
		ns := it.obj.String("service_namespace")
		namespaces[ns] = true
		targets[scalableKey{ns, it.obj.String("resource_id"), it.obj.String("scalable_dimension")}] = it
	}
	policies := map[string]*item{}
	pns := map[string]bool{}
	for _, it := range items["aws_appautoscaling_policy"] {
		ns := it.obj.String("service_namespace")
		pns[ns] = true
		policies[ns+"|"+it.obj.String("resource_id")+"|"+it.obj.String("name")] = it
	}
	for ns := range namespaces {
		if err := scanScalableTargets(ctx, s, ns, targets); err != nil {
			return err
		}
	}
	for ns := range pns {
		if err := scanScalingPolicies(ctx, s, ns, policies); err != nil {
			return err
		}
	}
	s.expectedCapacityDrift(items["aws_appautoscaling_target"])
	return scanScheduledActions(ctx, s, items["aws_appautoscaling_scheduled_action"], items["aws_appautoscaling_target"])
}

// scanScalableTargets reads the targets of namespace ns, 50 resources a
// call.
func scanScalableTargets(ctx context.Context, s *Scanner, ns string, targets map[scalableKey]*item) error {
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
				it := targets[scalableKey{ns, aws.ToString(t.ResourceId), string(t.ScalableDimension)}]
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
	return nil
}

// scanScalingPolicies reads the policies of namespace ns; policies is
// keyed by namespace|resource|name.
func scanScalingPolicies(ctx context.Context, s *Scanner, ns string, policies map[string]*item) error {
	return pages(ctx, s, func(token *string) (*string, error) {
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
}
