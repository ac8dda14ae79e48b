package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/testenv/drifttest"
	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// drift-check through its action.yml on the sandbox (moto with the ECS
// simulator in front): a stack built with its state, one service scaled
// behind Terraform's back. In sync when only target groups are checked,
// exit 1 with the scaled service on a full scan, exit 2 for a bad state URL.
func TestDriftCheckThroughActionYML(t *testing.T) {
	t.Parallel()
	if !e2e.Built(t, "drift-check") {
		t.Fatal("actions/drift-check/main.go is missing: the e2e test of drift-check needs the action")
	}
	const region = "me-central-1" // a stack of its own
	sb := e2e.Sandbox(t)
	cfg := sandboxtest.Config(t, region)
	c := drifttest.NewClients(cfg, cloudwatchclient.Options(sb.Getenv)...)
	ctx := context.Background()
	st, err := drifttest.Build(ctx, c, drifttest.Options{Name: "e2edrift", Services: 2, NoClusterSettings: true})
	require.NoError(t, err)
	state := filepath.Join(t.TempDir(), "terraform.tfstate")
	require.NoError(t, os.WriteFile(state, st.State(), 0o644))
	require.NoError(t, drifttest.ScaleService(ctx, c, st.Cluster, st.Services[1].Name, 5))

	r := e2e.Run(t, e2e.Workflow{File: "testdata/drift-check.yml", Event: "workflow_dispatch", Region: region,
		Env: map[string]string{"STATE_FILE": state}})
	assert.Equal(t, "success", r.Jobs["in-sync"], r.Log)
	assert.Equal(t, "success", r.Jobs["drifted"], r.Log)
	assert.Equal(t, "failure", r.Jobs["bad-input"], r.Log)

	assert.Equal(t, "false", r.Output("tgs", "drifted"), r.Log)
	assert.Equal(t, "100", r.Output("tgs", "coverage"))
	assert.Equal(t, "true", r.Output("check", "ok"), r.Log)
	assert.Equal(t, "1", r.Output("drift", "changed"))
	assert.Equal(t, "0", r.Output("drift", "missing"))
	assert.Contains(t, r.Summary, "`desired_count`")
	assert.Contains(t, r.Summary, "2 → 5")

	// The bad input: one ::error naming the input, exit code 2. The
	// drifted job's step fails on purpose (exit 1) and adds its own ::error.
	var bad []e2e.Annotation
	for _, a := range r.Errors() {
		if strings.Contains(a.Message, `input "state"`) {
			bad = append(bad, a)
		}
	}
	require.Len(t, bad, 1, "one ::error naming the state input; log:\n%s", r.Log)
	assert.Contains(t, bad[0].Message, "s3://bucket/key")
	assert.Equal(t, "failure", r.Step("bad").Result)
	assert.Contains(t, r.Log, "exit status 2")
	assert.Contains(t, r.Log, "exit status 1")
}
