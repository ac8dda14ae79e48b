package deploy

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

func parseWith(t *testing.T, in map[string]string) (*Plan, *settings, error) {
	t.Helper()
	spec := actionspec.MustParse(deploySpec)
	deps := &Deps{ReadFile: func(p string) ([]byte, error) {
		switch p {
		case "web.json", "api.json":
			return os.ReadFile("testdata/web.json")
		}
		return nil, &os.PathError{Op: "open", Path: p, Err: os.ErrNotExist}
	}}
	return deps.parseInputs(inputs.New(spec, in, nil), outfile.Roots{Workspace: "."})
}

func TestParseInputsDefaults(t *testing.T) {
	t.Parallel()
	p, st, err := parseWith(t, map[string]string{"cluster": "prod", "service": "web"})
	require.NoError(t, err)
	assert.True(t, p.Wait)
	assert.True(t, p.RollbackOnFailure)
	assert.Equal(t, 30*time.Minute, p.Timeout)
	assert.Equal(t, 1, p.FailedTasksThreshold)
	assert.Equal(t, "", p.Strategy.Kind, "keep what the service uses")
	assert.Equal(t, 10*time.Minute, st.lockTimeout)
	require.Len(t, p.Waves, 1)
	assert.Equal(t, Source{}, p.Waves[0][0].Source, "current by default")
	assert.Empty(t, p.Waves[0][0].Renders)
}

func TestParseInputsRenders(t *testing.T) {
	t.Parallel()
	p, _, err := parseWith(t, map[string]string{"cluster": "prod", "service": "web", "task-definition": "web.json",
		"container-name": "app", "image": "web:v2", "environment-variables": "A=1\nB=two=2", "secrets": "K=arn:aws:ssm:us-east-1:1:parameter/k",
		"docker-labels": "team=x", "command": `["sh", "-c", "echo hi there"]`, "log-configuration-log-driver": "awslogs",
		"log-configuration-options": "awslogs-group=/ecs/web", "desired-count": "4"})
	require.NoError(t, err)
	tg := p.Waves[0][0]
	require.NotNil(t, tg.Source.Doc)
	require.Equal(t, int32(4), aws.ToInt32(tg.DesiredCount))
	require.Len(t, tg.Renders, 1)
	r := tg.Renders[0]
	assert.Equal(t, []taskdef.KV{{Key: "A", Value: "1"}, {Key: "B", Value: "two=2"}}, r.Environment)
	assert.Equal(t, []string{"sh", "-c", "echo hi there"}, r.Command)
	assert.Equal(t, "awslogs", r.LogDriver)

	p, _, err = parseWith(t, map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "command": "npm run start"})
	require.NoError(t, err)
	assert.Equal(t, []string{"npm", "run", "start"}, p.Waves[0][0].Renders[0].Command)
}

func TestParseInputsSeveralServices(t *testing.T) {
	t.Parallel()
	p, _, err := parseWith(t, map[string]string{"cluster": "prod", "service": "gw, mcpo\nwebui",
		"task-definition": "gw=web.json\nmcpo=mcpo:7", "order": "gw,mcpo > webui",
		"health-check-url": "webui=https://webui.example.com/health"})
	require.NoError(t, err)
	require.Len(t, p.Waves, 2)
	assert.Equal(t, []string{"gw", "mcpo", "webui"}, p.Services())
	assert.NotNil(t, p.Waves[0][0].Source.Doc)
	assert.Equal(t, "mcpo:7", p.Waves[0][1].Source.Revision)
	assert.Equal(t, Source{}, p.Waves[1][0].Source)
	assert.Equal(t, "https://webui.example.com/health", p.Waves[1][0].HealthCheckURL)
	assert.Empty(t, p.Waves[0][0].HealthCheckURL)

	_, _, err = parseWith(t, map[string]string{"cluster": "prod", "service": "a\nb", "task-definition": "web.json"})
	require.ErrorContains(t, err, "each service needs its own task definition file")
	_, _, err = parseWith(t, map[string]string{"cluster": "prod", "service": "a\nb", "task-definition": "c=web.json"})
	require.ErrorContains(t, err, "one service=file|current|family:revision line per service")
	_, _, err = parseWith(t, map[string]string{"cluster": "prod", "service": "a\na"})
	require.ErrorContains(t, err, "is listed twice")
}

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
