package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/s3client"
	"github.com/ecsflow/ecsflow/internal/testenv/drifttest"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// repoRoot is the module root, where examples/ lives.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "examples", "open-webui", "terraform"))
	require.NoError(t, err)
	return dir
}

// scanSeeded loads the stack's state from its bucket and compares it with
// the live stack through the sandbox endpoint (moto and the ECS simulator),
// as drift-check does; withHCL also honours the example's
// lifecycle.ignore_changes, as drift-check with `path` does.
func scanSeeded(t *testing.T, sb *sandbox.Sandbox, st *sandbox.Stack, withHCL bool) *drift.Result {
	t.Helper()
	ctx := context.Background()
	cfg := sandboxtest.Config(t, st.Region)
	state, err := tfstate.Load(ctx, tfstate.Location{Bucket: st.StateBucket, Key: st.StateKey},
		s3.NewFromConfig(cfg, s3client.Options(sb.Getenv)...))
	require.NoError(t, err)
	o := drift.Options{State: state.Managed()}
	if withHCL {
		o.IgnoreChanges, err = tfstate.ReadIgnoreChanges(os.DirFS(repoRoot(t)), "examples/open-webui/terraform")
		require.NoError(t, err)
	}
	clients := drifttest.NewClients(cfg, cloudwatchclient.Options(sb.Getenv)...)
	res, err := drift.New(clients.Drift(), o).Scan(ctx, state.Managed())
	require.NoError(t, err)
	require.Empty(t, res.NotChecked, "every seeded resource type is covered")
	return res
}

func findings(res *drift.Result) []string {
	var out []string
	for _, f := range res.Findings {
		line := string(f.Kind) + " " + string(f.Class) + " " + f.Name()
		for _, c := range f.Changes {
			line += " | " + c.Attribute + ": " + c.Before + " -> " + c.After
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

// The seed writes the state at the key the example's dev backend config
// names, and drift-check finds the freshly seeded stack in sync with it.
func TestSeedWritesTerraformStateInSync(t *testing.T) {
	t.Parallel()
	sb, st := sandboxtest.Seeded(t)
	b, err := tfstate.ReadBackend(os.DirFS(repoRoot(t)), "examples/open-webui/terraform", "dev")
	require.NoError(t, err)
	loc, err := b.Location("")
	require.NoError(t, err)
	assert.Equal(t, "s3://"+st.StateBucket+"/"+st.StateKey, loc.String(), "drift-check --path examples/open-webui/terraform --environment dev reads the seeded state")

	res := scanSeeded(t, sb, st, true)
	assert.Empty(t, findings(res))
	// 3 services, task definitions, repositories, log groups and task
	// roles; 15 alarms; 4 security groups; ALB, 2 listeners, rule, 2
	// target groups; cluster; execution role; ECS infrastructure role.
	assert.Equal(t, 3*5+15+4+6+1+1+1, res.Checked)
}

// Changes behind Terraform's back come out, and only those, classified as
// drift-check's design says: an opened ingress rule is critical, a deleted
// alarm is missing, a scaled service needs review unless the example's
// ignore_changes owns desired_count.
func TestSeededStateShowsDriftBehindTerraformsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sb, st := sandboxtest.SeededRegion(t, "ca-central-1")
	require.Empty(t, findings(scanSeeded(t, sb, st, false)))

	clients := drifttest.NewClients(sandboxtest.Config(t, st.Region), cloudwatchclient.Options(sb.Getenv)...)
	require.NoError(t, drifttest.ScaleService(ctx, clients, st.Cluster, "mcpo", 5))
	require.NoError(t, drifttest.OpenIngress(ctx, clients, st.SecurityGroups["mcpo"], 22, "0.0.0.0/0"))
	webui, _ := st.Service("open-webui")
	require.NoError(t, drifttest.DeleteAlarm(ctx, clients, webui.Alarms[1]))

	assert.Equal(t, []string{
		"changed critical aws_security_group.service[\"mcpo\"] | ingress: (none) -> tcp 22 from 0.0.0.0/0",
		"changed review aws_ecs_service.this[\"mcpo\"] | desired_count: 2 -> 5",
		"missing critical aws_cloudwatch_metric_alarm.cpu_high[\"open-webui\"]",
	}, findings(scanSeeded(t, sb, st, false)))

	res := scanSeeded(t, sb, st, true)
	assert.Equal(t, []string{
		"changed critical aws_security_group.service[\"mcpo\"] | ingress: (none) -> tcp 22 from 0.0.0.0/0",
		"missing critical aws_cloudwatch_metric_alarm.cpu_high[\"open-webui\"]",
	}, findings(res))
	assert.Positive(t, res.Ignored, "desired_count is in the example's ignore_changes")
}
