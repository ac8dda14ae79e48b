package e2e_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// The three example services are deployed in waves through deploy-ecs's
// action.yml on the sandbox (moto + the ECS simulator), a broken image is
// rolled back automatically, and rollback returns mcpo to its previous
// revision; the ledger records every step.
func TestDeployWavesBrokenImageAndRollback(t *testing.T) {
	t.Parallel()
	for _, a := range []string{"deploy-ecs", "rollback"} {
		if !e2e.Built(t, a) {
			t.Fatalf("actions/%s/main.go is missing", a)
		}
	}
	const region = "us-west-2"
	sb, stack := sandboxtest.SeededRegion(t, region)
	sim := sb.ECS(region)
	require.NotNil(t, sim, "the sandbox runs without the ECS simulator")
	webui, ok := stack.Service("open-webui")
	require.True(t, ok)
	require.NotEmpty(t, webui.Alarms, "the seeded stack has alarms per service")
	prefix := webui.RepositoryURI[:strings.LastIndex(webui.RepositoryURI, "/")]
	sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: prefix + "/open-webui:broken"})
	cfg := sandboxtest.Config(t, region)
	api := ecs.NewFromConfig(cfg)
	before := map[string]string{}
	for _, s := range stack.Services {
		before[s.Name] = s.TaskDefinitionARN
	}

	r := e2e.Run(t, e2e.Workflow{File: "testdata/deploy-waves.yml", Event: "workflow_dispatch", Region: region,
		Vars: map[string]string{"CLUSTER": stack.Cluster, "IMAGE_PREFIX": prefix, "ALARM": webui.Alarms[0], "LEDGER": stack.LedgerTable}})
	r.RequireSuccess(t)

	// Waves: every service on a new revision with the v2 image.
	var arns map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.Output("waves", "task-definition-arn")), &arns), r.Log)
	require.Len(t, arns, 3)
	var prev map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.Output("waves", "previous-task-definition-arn")), &prev))
	assert.Equal(t, before, prev)
	assert.Contains(t, r.Summary, "wave 1 started: bedrock-access-gateway, mcpo")
	assert.Contains(t, r.Summary, "wave 2 started: open-webui")

	// The broken image: failed step, rolled back, reasons in the error line.
	assert.Equal(t, "rolled-back", r.Output("broken", "status"))
	var errs []string
	for _, a := range r.Errors() {
		errs = append(errs, a.Message)
	}
	assert.Contains(t, strings.Join(errs, "\n"), "CannotPullContainerError")
	assert.Contains(t, r.Summary, "image pull error for container open-webui")

	out, err := api.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String(stack.Cluster),
		Services: []string{"open-webui", "mcpo", "bedrock-access-gateway"}})
	require.NoError(t, err)
	for _, s := range out.Services {
		switch name := aws.ToString(s.ServiceName); name {
		case "open-webui":
			assert.Equal(t, arns[name], aws.ToString(s.TaskDefinition), "open-webui is back on the wave's revision")
		case "mcpo":
			assert.Equal(t, before[name], aws.ToString(s.TaskDefinition), "rollback returned mcpo to its previous revision")
		default:
			assert.Equal(t, arns[name], aws.ToString(s.TaskDefinition))
		}
		assert.Len(t, s.Deployments, 1, aws.ToString(s.ServiceName))
	}

	// The ledger has the story of open-webui: succeeded, then rolled-back.
	l := &ledger.Ledger{DB: dynamodb.NewFromConfig(cfg), Table: stack.LedgerTable}
	hist, err := l.History(context.Background(), stack.Cluster, "open-webui", 0)
	require.NoError(t, err)
	require.Len(t, hist, 2)
	assert.Equal(t, "rolled-back", hist[0].Outcome)
	assert.Equal(t, "succeeded", hist[1].Outcome)
	mcpo, err := l.History(context.Background(), stack.Cluster, "mcpo", 1)
	require.NoError(t, err)
	assert.Equal(t, arns["mcpo"], mcpo[0].RollbackOf)
}
