package deploy

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// InputError is a plan the service cannot take, found before anything
// changed: Input names the action input to correct. The action turns it
// into its bad-input error (exit 2).
type InputError struct {
	Input, Value, Reason string
}

func (e *InputError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("input %q: value %q: %s", e.Input, e.Value, e.Reason)
	}
	return fmt.Sprintf("input %q: %s", e.Input, e.Reason)
}

func badInput(input, value, format string, args ...any) error {
	return &InputError{Input: input, Value: value, Reason: fmt.Sprintf(format, args...)}
}

// checkStrategy checks what ECS requires of the requested strategy, with the
// service as DescribeServices shows it, so a plan ECS would refuse fails
// before a revision is registered:
//
//   - BLUE_GREEN, CANARY and LINEAR shift traffic, so the service needs a
//     target group with advancedConfiguration (alternate target group,
//     production listener rule, role) or Service Connect
//     (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html,
//     SDK types.AdvancedConfiguration);
//   - BLUE_GREEN needs bakeTimeInMinutes (SDK doc comment of
//     types.DeploymentConfiguration.BakeTimeInMinutes);
//   - canaryPercent is 0.1–100 and stepPercent 3–100, in steps of 0.1 (SDK
//     doc comments of types.CanaryConfiguration, types.LinearConfiguration);
//   - the timeout covers the whole deployment: bake time plus the canary
//     or linear traffic steps.
func checkStrategy(plan *Plan, s *types.Service) error {
	st := plan.Strategy
	name := aws.ToString(s.ServiceName)
	if st.CanaryPercent != 0 && !Tenths(st.CanaryPercent, 0.1, 100) {
		return badInput("canary-percent", fmt.Sprint(st.CanaryPercent), "must be 0.1 to 100 in steps of 0.1")
	}
	if st.LinearStepPercent != 0 && !Tenths(st.LinearStepPercent, 3, 100) {
		return badInput("linear-step-percent", fmt.Sprint(st.LinearStepPercent), "must be 3 to 100 in steps of 0.1")
	}
	if st.Kind != "" && st.Kind != "rolling" && !trafficShiftable(s) {
		return badInput("strategy", st.Kind, "strategy: %s needs a load balancer with advancedConfiguration or Service Connect; service %s has neither", st.Kind, name)
	}
	cfg := s.DeploymentConfiguration
	if cfg == nil {
		cfg = &types.DeploymentConfiguration{}
	}
	kind := st.Kind
	if kind == "" {
		kind = strategyKind(cfg.Strategy)
	}
	bake := st.BakeTime
	if bake == 0 && cfg.BakeTimeInMinutes != nil {
		bake = time.Duration(*cfg.BakeTimeInMinutes) * time.Minute
	}
	if kind == "blue-green" && st.BakeTime == 0 && cfg.BakeTimeInMinutes == nil {
		return badInput("bake-time", "", "strategy: blue-green needs a bake time (ECS requires bakeTimeInMinutes for BLUE_GREEN) and service %s has none; set bake-time, e.g. 5m", name)
	}
	total, what := bake, fmt.Sprintf("bake-time %s", short(bake))
	switch kind {
	case "canary":
		cb := canaryBake(st, cfg)
		total += cb
		what += fmt.Sprintf(" and canary-bake-time %s", short(cb))
	case "linear":
		step, interval := linearStep(st, cfg)
		n := int(math.Ceil(100/step)) - 1
		total += time.Duration(n) * interval
		what += fmt.Sprintf(" and %d linear steps of %s", n, short(interval))
	}
	if kind != "rolling" && kind != "" && plan.Wait && plan.Timeout <= total {
		return badInput("timeout", short(plan.Timeout), "strategy: %s with %s needs timeout > %s", kind, what, short(total))
	}
	return nil
}

func strategyKind(s types.DeploymentStrategy) string {
	switch s {
	case types.DeploymentStrategyBlueGreen:
		return "blue-green"
	case types.DeploymentStrategyCanary:
		return "canary"
	case types.DeploymentStrategyLinear:
		return "linear"
	}
	return "rolling"
}

// canaryBake is the canary bake time the deployment will use: the input's,
// else the service's own, else the default deploymentConfig sends.
func canaryBake(st Strategy, cfg *types.DeploymentConfiguration) time.Duration {
	if st.CanaryBakeTime > 0 {
		return st.CanaryBakeTime
	}
	if c := cfg.CanaryConfiguration; c != nil && c.CanaryBakeTimeInMinutes != nil {
		return time.Duration(*c.CanaryBakeTimeInMinutes) * time.Minute
	}
	return defaultCanaryBake
}

// linearStep is the linear step and interval the deployment will use.
func linearStep(st Strategy, cfg *types.DeploymentConfiguration) (float64, time.Duration) {
	step, interval := st.LinearStepPercent, st.LinearInterval
	if c := cfg.LinearConfiguration; c != nil {
		if step == 0 && c.StepPercent != nil {
			step = *c.StepPercent
		}
		if interval == 0 && c.StepBakeTimeInMinutes != nil {
			interval = time.Duration(*c.StepBakeTimeInMinutes) * time.Minute
		}
	}
	if step == 0 {
		step = defaultStepPercent
	}
	if interval == 0 {
		interval = defaultLinearInterval
	}
	return step, interval
}

// Defaults sent for a canary or linear strategy the service has no
// settings for.
const (
	defaultCanaryPercent  = 10.0
	defaultCanaryBake     = 5 * time.Minute
	defaultStepPercent    = 10.0
	defaultLinearInterval = time.Minute
)

// trafficShiftable reports whether ECS can shift traffic between the
// service's revisions: a target group with a complete advancedConfiguration,
// or Service Connect on the primary deployment.
func trafficShiftable(s *types.Service) bool {
	for _, lb := range s.LoadBalancers {
		a := lb.AdvancedConfiguration
		if lb.TargetGroupArn != nil && a != nil && aws.ToString(a.AlternateTargetGroupArn) != "" &&
			aws.ToString(a.ProductionListenerRule) != "" && aws.ToString(a.RoleArn) != "" {
			return true
		}
	}
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" && d.ServiceConnectConfiguration != nil && d.ServiceConnectConfiguration.Enabled {
			return true
		}
	}
	return false
}

// Tenths reports whether v is a multiple of 0.1 within [lo, hi].
func Tenths(v, lo, hi float64) bool {
	if math.IsNaN(v) || v < lo-1e-9 || v > hi+1e-9 {
		return false
	}
	return math.Abs(v*10-math.Round(v*10)) < 1e-6
}

// short prints a duration as people write it in inputs: 40m, 1h30m, 45s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
