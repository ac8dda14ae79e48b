package rules

import (
	"strings"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// Facts of the Application Auto Scaling API reference
// (https://docs.aws.amazon.com/autoscaling/application/APIReference/):
// PredictiveScalingPolicyConfiguration (mode, breach behaviour, buffer
// 0-100 and only with IncreaseMaxCapacity, scheduling buffer under 3600 s,
// one metric specification) and the Predictive Scaling Predefined Metric
// Pair / Load / Scaling Metric Specification pages (the predefined metric
// types available for predictive scaling).

// predictiveMetricTypes are the predefined metric types the API accepts
// for a predictive scaling metric pair, load or scaling metric.
var predictiveMetricTypes = []string{
	"ALBRequestCount", "ALBRequestCountPerTarget", "TotalALBRequestCount",
	"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization",
	"ECSServiceCPUUtilization", "ECSServiceMemoryUtilization",
	"ECSServiceTotalCPUUtilization", "ECSServiceTotalMemoryUtilization",
}

var rulePredictiveScalingConfig = &Rule{
	ID: "EF218", Category: "ecs", Severity: Error,
	Title:        "Predictive scaling policy the API rejects",
	Remediation:  "Give predictive_scaling_policy_configuration one metric_specification with target_value and either an ECS metric pair or a load and a scaling metric; mode ForecastOnly or ForecastAndScale; max_capacity_buffer 0-100 and only with max_capacity_breach_behavior = \"IncreaseMaxCapacity\"; scheduling_buffer_time under 3600.",
	Doc:          "Application Auto Scaling refuses a PredictiveScaling policy whose metric specification is missing or not one of the predefined ECS and ALB metric types (an EC2 Auto Scaling type such as ASGCPUUtilization is a common copy), whose ALB request metric has no resource_label, whose mode or max capacity breach behaviour is not one of the documented values, whose max_capacity_buffer is outside 0-100 or set without IncreaseMaxCapacity (it is required with it), or whose scheduling buffer reaches the 3600-second forecast interval (API reference: PredictiveScalingPolicyConfiguration).",
	judgesValues: true,
	check:        checkPredictiveScalingConfig,
}

func checkPredictiveScalingConfig(c *Context) {
	c.EachResource("aws_appautoscaling_policy", func(m *tfparse.Module, p *tfparse.Instance) {
		if t, ok := knownString(p, p.Block, "policy_type"); !ok || t != "PredictiveScaling" {
			return
		}
		cfg := p.NestedBlock(p.Block, "predictive_scaling_policy_configuration")
		if cfg == nil {
			c.Report(p.Block.DefRange, p.Address(), "%s: policy_type PredictiveScaling needs a predictive_scaling_policy_configuration block", p.Address())
			return
		}
		checkPredictiveSettings(c, p, cfg)
		specs := p.NestedBlocks(cfg, "metric_specification")
		if len(specs) != 1 {
			c.Report(cfg.DefRange, p.Address(), "%s: predictive scaling takes exactly one metric_specification, found %d", p.Address(), len(specs))
			return
		}
		checkPredictiveMetrics(c, p, specs[0])
	})
}

// checkPredictiveSettings judges mode, breach behaviour and buffers.
func checkPredictiveSettings(c *Context, p *tfparse.Instance, cfg *tfparse.Block) {
	if v, ok := knownString(p, cfg, "mode"); ok && v != "ForecastOnly" && v != "ForecastAndScale" {
		c.Report(rangeOf(cfg, "mode"), p.Address(), "%s: mode is %q; allowed: ForecastOnly, ForecastAndScale", p.Address(), v)
	}
	behaviour := "HonorMaxCapacity" // the API's default
	if v, ok := knownString(p, cfg, "max_capacity_breach_behavior"); ok {
		behaviour = v
		if v != "HonorMaxCapacity" && v != "IncreaseMaxCapacity" {
			c.Report(rangeOf(cfg, "max_capacity_breach_behavior"), p.Address(), "%s: max_capacity_breach_behavior is %q; allowed: HonorMaxCapacity, IncreaseMaxCapacity", p.Address(), v)
			return
		}
	} else if cfg.Attr("max_capacity_breach_behavior") != nil {
		return // known only at apply time
	}
	buf, present := evalAttr(p, cfg, "max_capacity_buffer")
	switch {
	case !present && behaviour == "IncreaseMaxCapacity":
		c.Report(rangeOf(cfg, "max_capacity_breach_behavior"), p.Address(), "%s: IncreaseMaxCapacity needs max_capacity_buffer (0-100)", p.Address())
	case present && behaviour == "HonorMaxCapacity":
		c.Report(rangeOf(cfg, "max_capacity_buffer"), p.Address(), "%s: max_capacity_buffer is allowed only with max_capacity_breach_behavior = \"IncreaseMaxCapacity\"", p.Address())
	case present:
		if n, ok := treeNumber(valueTree(buf)); ok && (n < 0 || n > 100) {
			c.Report(rangeOf(cfg, "max_capacity_buffer"), p.Address(), "%s: max_capacity_buffer is %v; allowed: 0-100 (percent of the forecast)", p.Address(), n)
		}
	}
	if a := cfg.Attr("scheduling_buffer_time"); a != nil {
		if n, ok := treeNumber(p.Tree(a.Expr)); ok && (n < 0 || n >= 3600) {
			c.Report(a.Range, p.Address(), "%s: scheduling_buffer_time is %v; allowed: 0-3599 seconds (less than the one-hour forecast interval)", p.Address(), n)
		}
	}
}

// checkPredictiveMetrics judges the one metric specification: a target
// value and either a metric pair or a load and a scaling metric.
func checkPredictiveMetrics(c *Context, p *tfparse.Instance, spec *tfparse.Block) {
	if spec.Attr("target_value") == nil {
		c.Report(spec.DefRange, p.Address(), "%s: metric_specification has no target_value", p.Address())
	}
	pair := p.NestedBlock(spec, "predefined_metric_pair_specification")
	load := firstNested(p, spec, "predefined_load_metric_specification", "customized_load_metric_specification")
	scaling := firstNested(p, spec, "predefined_scaling_metric_specification", "customized_scaling_metric_specification")
	switch {
	case pair != nil && (load != nil || scaling != nil):
		c.Report(spec.DefRange, p.Address(), "%s: metric_specification has a metric pair and individual metrics; give one or the other", p.Address())
	case pair == nil && (load == nil || scaling == nil):
		c.Report(spec.DefRange, p.Address(), "%s: metric_specification needs predefined_metric_pair_specification, or both a load and a scaling metric", p.Address())
	}
	for _, b := range []*tfparse.Block{pair, load, scaling} {
		if b == nil || !strings.HasPrefix(b.Type, "predefined_") {
			continue
		}
		t, ok := knownString(p, b, "predefined_metric_type")
		if !ok {
			continue
		}
		if !contains(predictiveMetricTypes, t) {
			c.Report(rangeOf(b, "predefined_metric_type"), p.Address(), "%s: %s is not a predictive scaling metric for ECS; allowed: %s", p.Address(), t, strings.Join(predictiveMetricTypes, ", "))
			continue
		}
		if strings.Contains(t, "ALBRequestCount") && b.Attr("resource_label") == nil {
			c.Report(b.DefRange, p.Address(), "%s: %s needs resource_label (the load balancer and target group)", p.Address(), t)
		}
	}
}

func firstNested(p *tfparse.Instance, b *tfparse.Block, types ...string) *tfparse.Block {
	for _, t := range types {
		if nb := p.NestedBlock(b, t); nb != nil {
			return nb
		}
	}
	return nil
}

var ruleReactiveOnly = &Rule{
	ID: "EF219", Category: "ecs", Severity: Warning,
	Title:       "Production service scales only reactively",
	Remediation: "Add an aws_appautoscaling_policy with policy_type = \"PredictiveScaling\" and mode = \"ForecastAndScale\" (beside target tracking), or scheduled actions (aws_appautoscaling_scheduled_action) for known peaks.",
	Doc:         "Target tracking and step scaling add tasks only after the load has arrived; a Fargate task then needs a minute or more to start and pass health checks. A predictive policy in ForecastAndScale mode (ForecastOnly, the default mode, forecasts but never scales) or a scheduled action adds capacity before a recurring peak. Reported for autoscaled services in production (recognised as for EF217).",
	check:       checkReactiveOnly,
}

func checkReactiveOnly(c *Context) {
	if !c.Production() {
		return
	}
	c.EachResource("aws_ecs_service", func(m *tfparse.Module, svc *tfparse.Instance) {
		targets := scalingTargets(m, svc.Block)
		if len(targets) == 0 || proactivelyScaled(m, targets, svc.Key) {
			return
		}
		c.Report(svc.Block.DefRange, svc.Address(), "%s scales only reactively: no predictive scaling policy in ForecastAndScale mode and no scheduled action", svc.Address())
	})
}

// scalingTargets names the aws_appautoscaling_target blocks in m that
// scale the service block.
func scalingTargets(m *tfparse.Module, svc *tfparse.Block) []string {
	var out []string
	for _, t := range m.ResourcesOfType("aws_appautoscaling_target") {
		if autoscaledBy(m, svc, t) {
			out = append(out, t.Name())
		}
	}
	return out
}

// proactivelyScaled reports whether a scheduled action or a predictive
// policy in ForecastAndScale mode acts on one of the targets for the
// instance key (same for_each key, or a policy with one instance). A mode
// known only at apply time counts as proactive.
func proactivelyScaled(m *tfparse.Module, targets []string, key string) bool {
	refers := func(b *tfparse.Block) bool {
		a := b.Attr("resource_id")
		if a == nil {
			return false
		}
		for _, n := range resourceRefs(a.Expr, "aws_appautoscaling_target") {
			if contains(targets, n) {
				return true
			}
		}
		return false
	}
	for _, b := range m.ResourcesOfType("aws_appautoscaling_scheduled_action") {
		if refers(b) {
			return true
		}
	}
	for _, b := range m.ResourcesOfType("aws_appautoscaling_policy") {
		if !refers(b) {
			continue
		}
		for _, p := range m.Eval.Instances(b) {
			if p.Key != "" && p.Key != key {
				continue
			}
			if t, ok := knownString(p, b, "policy_type"); !ok || t != "PredictiveScaling" {
				continue
			}
			cfg := p.NestedBlock(b, "predictive_scaling_policy_configuration")
			if cfg == nil {
				continue
			}
			if mode, ok := knownString(p, cfg, "mode"); mode == "ForecastAndScale" || (!ok && cfg.Attr("mode") != nil) {
				return true
			}
		}
	}
	return false
}
