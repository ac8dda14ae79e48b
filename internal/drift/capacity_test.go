package drift_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/stretchr/testify/require"

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
	mustDo(t, drifttest.ScheduleAction(ctx, c, st, name, "cron(0 8 ? * MON-FRI *)", 4, 10))
	addScheduledAction(st, s0.Name, name, rid, "cron(0 8 ? * MON-FRI *)", "4", "10")
	// The schedule fires: the target takes its bounds, the service follows.
	mustDo(t, drifttest.SetCapacity(ctx, c, st, 4, 10))
	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, s0.Name, 8))
	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, s1.Name, 8)) // no autoscaling: drift

	res := scan(t, c, st, drift.Options{})
	assertLines(t, summary(res), []string{"review changed aws_ecs_service." + s1.Name + " desired_count"}, dump(res))
	if len(res.NotChecked) != 0 {
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

// oneScalableService builds a stack of one autoscaled service and returns
// it with its scalable target's resource id.
func oneScalableService(t *testing.T) (drifttest.Clients, *drifttest.Stack, drifttest.Service, string) {
	t.Helper()
	c, st, _ := newStack(t, 1)
	s0 := st.Services[0]
	return c, st, s0, "service/" + st.Cluster + "/" + s0.Name
}

// addScheduledAction adds a scheduled action on resource rid to the state,
// as the AWS provider stores it (bounds as strings).
func addScheduledAction(st *drifttest.Stack, addr, name, rid, schedule, lo, hi string) {
	st.AddResource("aws_appautoscaling_scheduled_action", addr, map[string]any{"id": name, "name": name, "resource_id": rid,
		"scalable_dimension": "ecs:service:DesiredCount", "service_namespace": "ecs", "schedule": schedule, "timezone": "",
		"scalable_target_action": []any{map[string]any{"min_capacity": lo, "max_capacity": hi}}})
}

// Scheduled actions are read live: one the state knows but changed by
// hand (schedule, bounds) is drift, and one on a managed scalable target
// that no state knows is unmanaged. The capacity an unmanaged action sets
// is not expected: only the configuration's bounds are.
func TestScheduledActionsAreReadLive(t *testing.T) {
	t.Parallel()
	c, st, s0, rid := oneScalableService(t)
	ctx := context.Background()
	name := st.Name + "-business-hours"
	mustDo(t, drifttest.ScheduleAction(ctx, c, st, name, "cron(0 8 ? * MON-FRI *)", 2, 6))
	addScheduledAction(st, s0.Name, name, rid, "cron(0 8 ? * MON-FRI *)", "2", "6")

	res := scan(t, c, st, drift.Options{})
	assertLines(t, summary(res), nil, dump(res))
	require.Empty(t, res.NotChecked, dump(res))

	// By hand: the schedule moves and its maximum grows; a second action
	// appears on the same target.
	mustDo(t, drifttest.ScheduleAction(ctx, c, st, name, "cron(0 7 ? * MON-FRI *)", 2, 9))
	mustDo(t, drifttest.ScheduleAction(ctx, c, st, st.Name+"-weekend", "cron(0 0 ? * SAT *)", 0, 0))
	res = scan(t, c, st, drift.Options{})
	assertLines(t, summary(res), []string{
		"review unmanaged aws_appautoscaling_scheduled_action " + st.Name + "-weekend ",
		"review changed aws_appautoscaling_scheduled_action." + s0.Name + " scalable_target_action.max_capacity,schedule",
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
	c, st, s0, rid := oneScalableService(t)
	ctx := context.Background()
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
