package ecssim

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"
)

func TestStrategyPrerequisites(t *testing.T) {
	t.Parallel()
	plainLB := []types.LoadBalancer{{TargetGroupArn: ptr(tgARN), ContainerName: ptr("app"), ContainerPort: ptr(int32(8080))}}
	partial := fixtureLBs()
	partial[0].AdvancedConfiguration = &types.AdvancedConfiguration{AlternateTargetGroupArn: ptr(tgARN + "-green")}
	classic := []types.LoadBalancer{{LoadBalancerName: ptr("classic"), ContainerName: ptr("app"), ContainerPort: ptr(int32(8080)),
		AdvancedConfiguration: fixtureLBs()[0].AdvancedConfiguration}}
	serviceConnect := &types.ServiceConnectConfiguration{Enabled: true, Namespace: ptr("internal")}
	bg := func(bake *int32) *types.DeploymentConfiguration {
		return &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyBlueGreen, BakeTimeInMinutes: bake}
	}
	canary := func(pct float64) *types.DeploymentConfiguration {
		return &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyCanary, CanaryConfiguration: &types.CanaryConfiguration{CanaryPercent: ptr(pct)}}
	}
	linear := func(step float64) *types.DeploymentConfiguration {
		return &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyLinear, LinearConfiguration: &types.LinearConfiguration{StepPercent: ptr(step)}}
	}
	cases := []struct {
		name string
		cfg  *types.DeploymentConfiguration
		lbs  []types.LoadBalancer
		sc   *types.ServiceConnectConfiguration
		// wantErr is a part of the InvalidParameterException message, or
		// "" when the call succeeds
		wantErr string
	}{
		{name: "rolling needs nothing", cfg: &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyRolling}},
		{name: "canary without load balancer", cfg: canary(10), wantErr: "CANARY deployment strategy requires a load balancer"},
		{name: "linear behind a target group without advancedConfiguration", cfg: linear(10), lbs: plainLB, wantErr: "LINEAR deployment strategy requires"},
		{name: "blue/green with half an advancedConfiguration", cfg: bg(ptr(int32(5))), lbs: partial, wantErr: "advancedConfiguration (alternateTargetGroupArn, productionListenerRule and roleArn)"},
		{name: "classic load balancer", cfg: canary(10), lbs: classic, wantErr: "requires a load balancer target group"},
		{name: "canary with advancedConfiguration", cfg: canary(10), lbs: fixtureLBs()},
		{name: "canary over Service Connect", cfg: canary(10), sc: serviceConnect},
		{name: "blue/green without bake time", cfg: bg(nil), lbs: fixtureLBs(), wantErr: "bakeTimeInMinutes must be specified for the BLUE_GREEN deployment strategy"},
		{name: "blue/green with bake time 0", cfg: bg(ptr(int32(0))), lbs: fixtureLBs()},
		{name: "canary 0.1", cfg: canary(0.1), lbs: fixtureLBs()},
		{name: "canary 100", cfg: canary(100), lbs: fixtureLBs()},
		{name: "canary 12.5 is not a multiple of 0.1", cfg: canary(12.55), lbs: fixtureLBs(), wantErr: "canaryPercent must be a multiple of 0.1 between 0.1 and 100.0, got 12.55"},
		{name: "canary 0.05", cfg: canary(0.05), lbs: fixtureLBs(), wantErr: "canaryPercent"},
		{name: "canary 0", cfg: canary(0), lbs: fixtureLBs(), wantErr: "canaryPercent"},
		{name: "canary above 100", cfg: canary(100.1), lbs: fixtureLBs(), wantErr: "canaryPercent"},
		{name: "linear 3", cfg: linear(3), lbs: fixtureLBs()},
		{name: "linear 33.3", cfg: linear(33.3), lbs: fixtureLBs()},
		{name: "linear 2.9", cfg: linear(2.9), lbs: fixtureLBs(), wantErr: "stepPercent must be a multiple of 0.1 between 3.0 and 100.0, got 2.9"},
		{name: "linear 33.33", cfg: linear(33.33), lbs: fixtureLBs(), wantErr: "stepPercent"},
		{name: "canary bake above a day", cfg: &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyCanary,
			CanaryConfiguration: &types.CanaryConfiguration{CanaryBakeTimeInMinutes: ptr(int32(1441))}}, lbs: fixtureLBs(), wantErr: "canaryBakeTimeInMinutes must be between 0 and 1440"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// on CreateService ...
			f := newFixture(t, nil)
			_, err := f.sim.CreateService(f.ctx, &ecs.CreateServiceInput{Cluster: ptr("c1"), ServiceName: ptr("other"), TaskDefinition: ptr("web"),
				DesiredCount: ptr(int32(1)), DeploymentConfiguration: tc.cfg, LoadBalancers: tc.lbs, ServiceConnectConfiguration: tc.sc})
			check(t, err, tc.wantErr)
			// ... and on UpdateService, before anything changes
			before := f.service()
			_, err = f.sim.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: ptr("c1"), Service: ptr("web"), TaskDefinition: ptr("web"),
				DeploymentConfiguration: tc.cfg, LoadBalancers: tc.lbs, ServiceConnectConfiguration: tc.sc, ForceNewDeployment: true})
			if tc.lbs == nil && tc.sc == nil && tc.wantErr == "" {
				// the service keeps its own load balancer
				require.NoError(t, err)
				return
			}
			if tc.lbs == nil && tc.sc == nil {
				// the fixture's own load balancer has the blue/green resources
				return
			}
			check(t, err, tc.wantErr)
			if tc.wantErr != "" {
				require.Equal(t, before, f.service(), "a refused update changes nothing")
			}
		})
	}
}

func check(t *testing.T, err error, wantErr string) {
	t.Helper()
	if wantErr == "" {
		require.NoError(t, err)
		return
	}
	var ipe *types.InvalidParameterException
	require.ErrorAs(t, err, &ipe)
	require.Contains(t, ipe.ErrorMessage(), wantErr)
}

// TestStrategyKeptFromEarlierUpdate: the configuration is checked as it
// results from the update, so a bake time set earlier satisfies BLUE_GREEN.
func TestStrategyKeptFromEarlierUpdate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &types.DeploymentConfiguration{BakeTimeInMinutes: ptr(int32(2))})
	f.deploy("app:v2", &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyBlueGreen})
	require.Equal(t, types.DeploymentStrategyBlueGreen, f.service().DeploymentConfiguration.Strategy)
}
