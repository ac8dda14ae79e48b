package ecssim

import (
	"math"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// validateStrategy checks the prerequisites of the deployment strategy in
// cfg against the service's load balancers and Service Connect
// configuration, as CreateService and UpdateService do:
//
//   - BLUE_GREEN, CANARY and LINEAR shift traffic, so they need an
//     Application or Network Load Balancer target group whose
//     advancedConfiguration names the alternate target group, the
//     production listener rule and the role, or Service Connect
//     (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-implementation.html;
//     SDK types.AdvancedConfiguration).
//   - BLUE_GREEN needs bakeTimeInMinutes (SDK doc comment of
//     types.DeploymentConfiguration.BakeTimeInMinutes: "You must provide
//     this parameter"): it is refused when missing rather than defaulted.
//   - canaryPercent is a multiple of 0.1 from 0.1 to 100 and stepPercent a
//     multiple of 0.1 from 3 to 100; the bake times are 0 to 1440 minutes
//     (SDK doc comments of types.CanaryConfiguration and
//     types.LinearConfiguration).
func validateStrategy(cfg types.DeploymentConfiguration, lbs []types.LoadBalancer, sc *types.ServiceConnectConfiguration) error {
	if err := validateStepSettings(cfg); err != nil {
		return err
	}
	switch cfg.Strategy {
	case types.DeploymentStrategyBlueGreen, types.DeploymentStrategyCanary, types.DeploymentStrategyLinear:
	default:
		return nil
	}
	if !trafficShiftable(lbs, sc) {
		return invalidParam("Invalid deployment configuration: the %s deployment strategy requires a load balancer target group with advancedConfiguration (alternateTargetGroupArn, productionListenerRule and roleArn) or an enabled Service Connect configuration.", cfg.Strategy)
	}
	if cfg.Strategy == types.DeploymentStrategyBlueGreen && cfg.BakeTimeInMinutes == nil {
		return invalidParam("Invalid deployment configuration: bakeTimeInMinutes must be specified for the BLUE_GREEN deployment strategy.")
	}
	return nil
}

func validateStepSettings(cfg types.DeploymentConfiguration) error {
	if c := cfg.CanaryConfiguration; c != nil {
		if p := c.CanaryPercent; p != nil && !tenths(*p, 0.1, 100) {
			return invalidParam("Invalid canaryConfiguration: canaryPercent must be a multiple of 0.1 between 0.1 and 100.0, got %g.", *p)
		}
		if b := c.CanaryBakeTimeInMinutes; b != nil && (*b < 0 || *b > 1440) {
			return invalidParam("Invalid canaryConfiguration: canaryBakeTimeInMinutes must be between 0 and 1440, got %d.", *b)
		}
	}
	if c := cfg.LinearConfiguration; c != nil {
		if p := c.StepPercent; p != nil && !tenths(*p, 3, 100) {
			return invalidParam("Invalid linearConfiguration: stepPercent must be a multiple of 0.1 between 3.0 and 100.0, got %g.", *p)
		}
		if b := c.StepBakeTimeInMinutes; b != nil && (*b < 0 || *b > 1440) {
			return invalidParam("Invalid linearConfiguration: stepBakeTimeInMinutes must be between 0 and 1440, got %d.", *b)
		}
	}
	return nil
}

// tenths reports whether v is a multiple of 0.1 within [lo, hi].
func tenths(v, lo, hi float64) bool {
	if math.IsNaN(v) || v < lo-1e-9 || v > hi+1e-9 {
		return false
	}
	return math.Abs(v*10-math.Round(v*10)) < 1e-6
}

// trafficShiftable reports whether ECS can shift traffic between service
// revisions: an ELBv2 target group (not a Classic Load Balancer) with a
// complete advancedConfiguration, or Service Connect.
func trafficShiftable(lbs []types.LoadBalancer, sc *types.ServiceConnectConfiguration) bool {
	if sc != nil && sc.Enabled {
		return true
	}
	for _, lb := range lbs {
		a := lb.AdvancedConfiguration
		if lb.TargetGroupArn == nil || a == nil {
			continue
		}
		if deref(a.AlternateTargetGroupArn) != "" && deref(a.ProductionListenerRule) != "" && deref(a.RoleArn) != "" {
			return true
		}
	}
	return false
}
