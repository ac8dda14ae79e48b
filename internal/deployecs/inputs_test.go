package deployecs

import (
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

func parseWith(t *testing.T, in map[string]string) (*deploy.Plan, *Config, error) {
	t.Helper()
	spec := actionspec.MustParse(deploySpec)
	read := func(p string) ([]byte, error) {
		switch p {
		case "web.json", "api.json":
			return os.ReadFile("testdata/web.json")
		}
		return nil, &os.PathError{Op: "open", Path: p, Err: os.ErrNotExist}
	}
	cfg, err := ParseConfig(inputs.New(spec, in, nil), func(string) string { return "" }, read)
	if err != nil {
		return nil, nil, err
	}
	return cfg.plan, cfg, nil
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
	assert.Equal(t, deploy.Source{}, p.Waves[0][0].Source, "current by default")
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
	assert.Equal(t, deploy.Source{}, p.Waves[1][0].Source)
	assert.Equal(t, "https://webui.example.com/health", p.Waves[1][0].HealthCheckURL)
	assert.Empty(t, p.Waves[0][0].HealthCheckURL)

	_, _, err = parseWith(t, map[string]string{"cluster": "prod", "service": "a\nb", "task-definition": "web.json"})
	require.ErrorContains(t, err, "each service needs its own task definition file")
	_, _, err = parseWith(t, map[string]string{"cluster": "prod", "service": "a\nb", "task-definition": "c=web.json"})
	require.ErrorContains(t, err, "one service=file|current|family:revision line per service")
	_, _, err = parseWith(t, map[string]string{"cluster": "prod", "service": "a\na"})
	require.ErrorContains(t, err, "is listed twice")
}

func TestParseInputsAnomalyMetrics(t *testing.T) {
	t.Parallel()
	p, _, err := parseWith(t, map[string]string{"cluster": "prod", "service": "web",
		"anomaly-metrics": "AWS/ApplicationELB:HTTPCode_Target_5XX_Count:above\nECS/ContainerInsights:RunningTaskCount:below"})
	require.NoError(t, err)
	assert.Equal(t, []deploy.AnomalyGate{
		{Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count", Side: deploy.AboveBand, Stat: "Sum"},
		{Namespace: "ECS/ContainerInsights", Metric: "RunningTaskCount", Side: deploy.BelowBand, Stat: "Average"},
	}, p.Gates.Anomaly, "dimensions are filled in per service")

	_, _, err = parseWith(t, map[string]string{"cluster": "prod", "service": "web", "anomaly-metrics": "AWS/ApplicationELB:RequestCount:sideways"})
	require.ErrorContains(t, err, `input "anomaly-metrics": value "AWS/ApplicationELB:RequestCount:sideways": side "sideways" is not above, below or outside`)
	_, _, err = parseWith(t, map[string]string{"cluster": "prod", "service": "web", "wait": "false", "anomaly-metrics": "AWS/ApplicationELB:RequestCount:above"})
	require.ErrorContains(t, err, "cannot be combined with anomaly-metrics")
}
