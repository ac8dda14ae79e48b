package drift_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/testenv/drifttest"
	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// A scheduled action Terraform manages has fired: it set the scalable
// target's bounds to its own and Application Auto Scaling moved the
// service into them. That is capacity the configuration asked for, like
// an autoscaled desired count, not drift. A count outside every bound the
// configuration gives stays drift.
func TestScheduledCapacityIsExpected(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 2)
	ctx := context.Background()
	s0, s1 := st.Services[0], st.Services[1]
	rid := "service/" + st.Cluster + "/" + s0.Name
	name := st.Name + "-business-hours"
	_, err := c.Autoscaling.PutScheduledAction(ctx, &aas.PutScheduledActionInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(rid),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, ScheduledActionName: aws.String(name), Schedule: aws.String("cron(0 8 ? * MON-FRI *)"),
		ScalableTargetAction: &aastypes.ScalableTargetAction{MinCapacity: aws.Int32(4), MaxCapacity: aws.Int32(10)}})
	mustDo(t, err)
	st.AddResource("aws_appautoscaling_scheduled_action", s0.Name, map[string]any{"id": name, "name": name, "resource_id": rid,
		"scalable_dimension": "ecs:service:DesiredCount", "service_namespace": "ecs", "schedule": "cron(0 8 ? * MON-FRI *)", "timezone": "",
		"scalable_target_action": []any{map[string]any{"min_capacity": "4", "max_capacity": "10"}}})
	// The schedule fires: the target takes its bounds, the service follows.
	mustDo(t, drifttest.SetCapacity(ctx, c, st, 4, 10))
	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, s0.Name, 8))
	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, s1.Name, 8)) // no autoscaling: drift

	res := scan(t, c, st, drift.Options{})
	assertLines(t, summary(res), []string{"review changed aws_ecs_service." + s1.Name + " desired_count"}, dump(res))
	// The scheduled action itself is not read (it would cost the
	// drift-check binary its size budget): it is reported as not checked.
	if len(res.NotChecked) != 1 || res.NotChecked[0].Type != "aws_appautoscaling_scheduled_action" {
		t.Errorf("not checked:\n%s", dump(res))
	}

	// Beyond the schedule's bounds it is drift again.
	mustDo(t, drifttest.SetCapacity(ctx, c, st, 4, 12))
	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, s0.Name, 11))
	res = scan(t, c, st, drift.Options{})
	assertLines(t, summary(res), []string{
		"review changed aws_appautoscaling_target." + s0.Name + " max_capacity",
		"review changed aws_ecs_service." + s0.Name + " desired_count",
		"review changed aws_ecs_service." + s1.Name + " desired_count",
	}, dump(res))
}

// moto 5.2.1 refuses PutScalingPolicy with PolicyType PredictiveScaling;
// this wrapper answers DescribeScalingPolicies with the policy added, as
// Application Auto Scaling would list it.
type withPredictive struct {
	drift.AutoscalingAPI
	policy aastypes.ScalingPolicy
}

func (w withPredictive) DescribeScalingPolicies(ctx context.Context, in *aas.DescribeScalingPoliciesInput, o ...func(*aas.Options)) (*aas.DescribeScalingPoliciesOutput, error) {
	out, err := w.AutoscalingAPI.DescribeScalingPolicies(ctx, in, o...)
	if err == nil && in.NextToken == nil {
		out.ScalingPolicies = append(out.ScalingPolicies, w.policy)
	}
	return out, err
}

// A predictive policy that may raise the maximum (ForecastAndScale,
// IncreaseMaxCapacity with a 50 % buffer) scales past the target's
// maximum of 6 ahead of a forecast peak: up to 9 tasks is capacity the
// configuration asked for; more is drift.
func TestForecastDrivenCapacityIsExpected(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 1)
	ctx := context.Background()
	s0 := st.Services[0]
	rid := "service/" + st.Cluster + "/" + s0.Name
	name := st.Name + "-predictive"
	st.AddResource("aws_appautoscaling_policy", s0.Name+"_predictive", map[string]any{"id": name, "name": name, "resource_id": rid,
		"scalable_dimension": "ecs:service:DesiredCount", "service_namespace": "ecs", "policy_type": "PredictiveScaling",
		"predictive_scaling_policy_configuration": []any{map[string]any{"mode": "ForecastAndScale", "max_capacity_breach_behavior": "IncreaseMaxCapacity", "max_capacity_buffer": 50}}})
	clients := c.Drift()
	clients.Autoscaling = withPredictive{clients.Autoscaling, aastypes.ScalingPolicy{PolicyName: aws.String(name), ResourceId: aws.String(rid),
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyType: aastypes.PolicyTypePredictiveScaling,
		PolicyARN: aws.String("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/ecs/" + rid + ":policyName/" + name)}}
	scanWith := func() *drift.Result {
		s, err := tfstate.Parse(st.State())
		mustDo(t, err)
		res, err := drift.New(clients, drift.Options{}).Scan(ctx, s.Managed())
		mustDo(t, err)
		return res
	}

	mustDo(t, drifttest.SetCapacity(ctx, c, st, 1, 9))
	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, s0.Name, 9))
	res := scanWith()
	assertLines(t, summary(res), nil, dump(res))

	mustDo(t, drifttest.SetCapacity(ctx, c, st, 1, 12))
	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, s0.Name, 10))
	res = scanWith()
	assertLines(t, summary(res), []string{
		"review changed aws_appautoscaling_target." + s0.Name + " max_capacity",
		"review changed aws_ecs_service." + s0.Name + " desired_count",
	}, dump(res))
}
