package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOrder(t *testing.T) {
	t.Parallel()
	svcs := []string{"gw", "mcpo", "webui", "extra"}
	w, err := ParseOrder(svcs, "gw, mcpo > webui")
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"gw", "mcpo"}, {"webui"}, {"extra"}}, w)
	w, err = ParseOrder(svcs, "")
	require.NoError(t, err)
	assert.Equal(t, [][]string{svcs}, w)
	w, err = ParseOrder(svcs, "webui\ngw")
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"webui"}, {"gw"}, {"mcpo", "extra"}}, w)
	_, err = ParseOrder(svcs, "gw > gw")
	require.ErrorContains(t, err, "appears twice")
}

func TestDeploymentConfig(t *testing.T) {
	t.Parallel()
	cb := &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}
	svc := &types.Service{DeploymentConfiguration: &types.DeploymentConfiguration{DeploymentCircuitBreaker: cb, MaximumPercent: aws.Int32(200)}}
	assert.Nil(t, deploymentConfig(&Plan{}, Target{}, svc), "no strategy and no gates keep the service's configuration")

	dc := deploymentConfig(&Plan{Strategy: Strategy{Kind: "canary", CanaryPercent: 5, CanaryBakeTime: 90 * time.Second, BakeTime: 10 * time.Minute}}, Target{}, svc)
	require.NotNil(t, dc)
	assert.Equal(t, types.DeploymentStrategyCanary, dc.Strategy)
	assert.Equal(t, 5.0, aws.ToFloat64(dc.CanaryConfiguration.CanaryPercent))
	assert.Equal(t, int32(2), aws.ToInt32(dc.CanaryConfiguration.CanaryBakeTimeInMinutes), "rounded up to whole minutes")
	assert.Equal(t, int32(10), aws.ToInt32(dc.BakeTimeInMinutes))
	assert.Same(t, cb, dc.DeploymentCircuitBreaker, "the circuit breaker survives")
	assert.Equal(t, int32(200), aws.ToInt32(dc.MaximumPercent))
	assert.Empty(t, dc.LifecycleHooks)

	// Gates add no lifecycle hook: nothing of ecsflow's stays in the
	// service's configuration after the run.
	dc = deploymentConfig(&Plan{Strategy: Strategy{Kind: "blue-green"}, Gates: Gates{Alarms: []string{"a"}}}, Target{HealthCheckURL: "https://test.example.com"}, svc)
	assert.Empty(t, dc.LifecycleHooks)
	assert.Nil(t, deploymentConfig(&Plan{Gates: Gates{Alarms: []string{"a"}}}, Target{}, svc), "gates alone keep the service's configuration")

	// The service's own hooks, canary and linear settings are kept unless
	// an input sets them.
	theirs := types.DeploymentLifecycleHook{TargetType: types.DeploymentLifecycleHookTargetTypePause,
		LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePostTestTrafficShift}}
	own := &types.Service{DeploymentConfiguration: &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyCanary,
		LifecycleHooks:      []types.DeploymentLifecycleHook{theirs},
		CanaryConfiguration: &types.CanaryConfiguration{CanaryPercent: aws.Float64(2.5), CanaryBakeTimeInMinutes: aws.Int32(15)},
		LinearConfiguration: &types.LinearConfiguration{StepPercent: aws.Float64(25), StepBakeTimeInMinutes: aws.Int32(3)}}}
	dc = deploymentConfig(&Plan{Strategy: Strategy{Kind: "canary"}, Gates: Gates{HealthCheckURL: "https://x"}}, Target{}, own)
	assert.Equal(t, []types.DeploymentLifecycleHook{theirs}, dc.LifecycleHooks)
	assert.Equal(t, 2.5, aws.ToFloat64(dc.CanaryConfiguration.CanaryPercent))
	assert.Equal(t, int32(15), aws.ToInt32(dc.CanaryConfiguration.CanaryBakeTimeInMinutes))
	dc = deploymentConfig(&Plan{Strategy: Strategy{Kind: "linear", LinearInterval: 2 * time.Minute}}, Target{}, own)
	assert.Equal(t, 25.0, aws.ToFloat64(dc.LinearConfiguration.StepPercent))
	assert.Equal(t, int32(2), aws.ToInt32(dc.LinearConfiguration.StepBakeTimeInMinutes), "an input sets it")
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, true},
		{&smithy.GenericAPIError{Code: "ServerException"}, true},
		{&smithy.GenericAPIError{Code: "ClientException", Message: "Rate exceeded"}, true},
		{&smithy.GenericAPIError{Code: "InvalidParameterException"}, false},
		{errors.New("connection reset"), false},
		{nil, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, retryable(tc.err), "%v", tc.err)
	}
}

func TestHeadline(t *testing.T) {
	t.Parallel()
	r := &Result{Status: RolledBack, Services: []*ServiceResult{
		{Service: "a", Status: Succeeded},
		{Service: "b", Status: RolledBack, Reasons: []string{"timed out"}, Explanation: []string{"task stopped: x"}},
	}, Skipped: []string{"c"}}
	assert.Equal(t, "deployment rolled-back: b rolled-back: timed out (task stopped: x); not deployed: c", r.Headline())
	assert.True(t, strings.HasPrefix(r.Markdown("deploy-ecs"), "## ↩️ deploy-ecs: rolled-back"))
}

// What the plan names and AWS does not have comes back as a
// *NotFoundError that names no action input: the action maps it.
func TestPrepareReportsWhatIsNotFound(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		cluster string
		target  Target
		want    NotFoundError
		says    string
	}{
		{"cluster", "staging", Target{Service: "web"},
			NotFoundError{Kind: "cluster", Name: "staging", Where: "eu-central-1 (this account)"}, `cluster "staging" does not exist in eu-central-1 (this account)`},
		{"service", "prod", Target{Service: "api"},
			NotFoundError{Kind: "service", Name: "api", Cluster: "prod"}, `service "api" does not exist in cluster "prod"`},
		{"revision", "prod", Target{Service: "web", Source: Source{Revision: "web:9"}},
			NotFoundError{Kind: "task definition", Name: "web:9"}, `task definition "web:9" is not registered`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, "web")
			e.engine.Region = "eu-central-1"
			before := e.Mutations()
			_, err := e.engine.Prepare(context.Background(), &Plan{Cluster: tc.cluster, Waves: [][]Target{{tc.target}}})
			var nf *NotFoundError
			require.ErrorAs(t, err, &nf, "%v", err)
			assert.Equal(t, tc.want, *nf)
			assert.EqualError(t, err, tc.says)
			assert.Equal(t, before, e.Mutations(), "Prepare changes nothing")
		})
	}
}
