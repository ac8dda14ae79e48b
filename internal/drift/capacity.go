package drift

import (
	"math"
	"strconv"

	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// capacity is what the configuration lets Application Auto Scaling do to
// one ECS service's desired count: the scalable target's bounds, the
// bounds each scheduled action sets when it fires (API reference:
// ScalableTargetAction), and, with a predictive scaling policy in
// ForecastAndScale mode that may raise the maximum (IncreaseMaxCapacity),
// a maximum raised by the capacity buffer (API reference:
// PredictiveScalingPolicyConfiguration). A desired count or bound inside
// it is capacity the configuration asked for, not drift.
type capacity struct {
	mins, maxes map[int]bool
	lo, hi      int
}

// within reports whether n is a desired count the configuration allows.
func (c *capacity) within(n int) bool { return n >= c.lo && n <= c.hi }

// allowsMax reports whether a live maximum is one the configuration sets.
func (c *capacity) allowsMax(n int) bool { return c.maxes[n] || (n > c.maxOf() && n <= c.hi) }

func (c *capacity) maxOf() int {
	m := 0
	for v := range c.maxes {
		m = max(m, v)
	}
	return m
}

func (c *capacity) add(lo, hi string) {
	if n, err := strconv.Atoi(lo); err == nil {
		c.mins[n] = true
		c.lo = min(c.lo, n)
	}
	if n, err := strconv.Atoi(hi); err == nil {
		c.maxes[n] = true
		c.hi = max(c.hi, n)
	}
}

// capacities reads the state's scalable targets of ECS services (by
// resource id, service/<cluster>/<service>) with their scheduled actions
// and predictive policies.
func (s *Scanner) capacities() map[string]*capacity {
	out := map[string]*capacity{}
	for _, o := range s.stateOf("aws_appautoscaling_target") {
		if o.String("scalable_dimension") != "ecs:service:DesiredCount" {
			continue
		}
		c := &capacity{mins: map[int]bool{}, maxes: map[int]bool{}, lo: math.MaxInt, hi: 0}
		c.add(o.String("min_capacity"), o.String("max_capacity"))
		out[o.String("resource_id")] = c
	}
	for _, o := range s.stateOf("aws_appautoscaling_scheduled_action") {
		if c := out[o.String("resource_id")]; c != nil {
			if a := firstBlock(o.Attributes["scalable_target_action"]); a != nil {
				c.add(tfstate.Scalar(a["min_capacity"]), tfstate.Scalar(a["max_capacity"]))
			}
		}
	}
	for _, o := range s.stateOf("aws_appautoscaling_policy") {
		c := out[o.String("resource_id")]
		p := firstBlock(o.Attributes["predictive_scaling_policy_configuration"])
		if c == nil || o.String("policy_type") != "PredictiveScaling" || p == nil {
			continue
		}
		if tfstate.Scalar(p["mode"]) != "ForecastAndScale" || tfstate.Scalar(p["max_capacity_breach_behavior"]) != "IncreaseMaxCapacity" {
			continue
		}
		// The effective maximum is the forecast plus the buffer; without
		// the forecast, the buffer over the configured maximum bounds it.
		buf, _ := strconv.ParseFloat(tfstate.Scalar(p["max_capacity_buffer"]), 64)
		c.hi = max(c.hi, int(math.Ceil(float64(c.hi)*(1+buf/100))))
	}
	return out
}

func firstBlock(v any) map[string]any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		m, _ := l[0].(map[string]any)
		return m
	}
	return nil
}

// expectedCapacityDrift skips a scalable target's bounds when they are the
// target's own, a scheduled action's, or a maximum a predictive policy may
// raise.
func (s *Scanner) expectedCapacityDrift(targets []*item) {
	caps := s.capacities()
	for _, it := range targets {
		c := caps[it.obj.String("resource_id")]
		if c == nil || !it.found {
			continue
		}
		if n, ok := it.live["min_capacity"].(int); ok && c.mins[n] {
			it.skip("min_capacity")
		}
		if n, ok := it.live["max_capacity"].(int); ok && c.allowsMax(n) {
			it.skip("max_capacity")
		}
	}
}
