package phases

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/ghstub"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/usagegen"
)

// Phase 3 cost on the sandbox: the example stack in dev with 14 days of
// generated usage up to the run. The weekly run reports a saving of at
// least 15 % in its summary and opens one issue on the GitHub stand-in
// with the Terraform diffs; the next week's run updates that same issue and
// opens no other.
func TestPhase3CostOpensThenUpdatesTheIssue(t *testing.T) {
	t.Parallel()
	needActions(t, "optimize")
	const region = "eu-north-1" // a stack of its own: usage is written to it
	sb, stack := sandboxtest.SeededRegion(t, region)
	cw := cloudwatch.NewFromConfig(sandboxtest.Config(t, region), cloudwatchclient.Options(sb.Getenv)...)
	// The action reads up to its own clock's last whole hour, so the usage
	// ends there (a start for the data, not an assertion on time).
	require.NoError(t, usagegen.Put(context.Background(), cw, usagegen.ExampleProfiles(stack.Cluster, 2), time.Now(), 14, 1))

	gh := ghstub.New(t)
	env, secrets := githubEnv(t, gh)
	run := func() *e2e.Result {
		return e2e.Run(t, e2e.Workflow{
			File: "testdata/phase3-cost.yml", Event: "workflow_dispatch", Region: region, Env: env, Secrets: secrets,
			Vars: map[string]string{"REGION": region, "CLUSTER": stack.Cluster,
				"ROLES": `{"dev":{"readonly":"arn:aws:iam::123456789012:role/ecsflow-dev-github-readonly"}}`},
		})
	}

	// 1. The first run: a saving of at least 15 %, one issue opened.
	r := run()
	r.RequireSuccess(t)
	pct, err := strconv.ParseFloat(r.Output("optimize", "saving-percent"), 64)
	require.NoError(t, err, r.Log)
	assert.GreaterOrEqual(t, pct, 15.0, "the example stack is oversized")
	assert.Contains(t, r.Summary, "## Cost optimisation: save $"+r.Output("optimize", "monthly-saving")+" a month ("+r.Output("optimize", "saving-percent")+" %)")
	assert.Equal(t, "1", r.Output("optimize", "issue-number"), r.Log)
	issues := gh.Issues()
	require.Len(t, issues, 1, "one issue for the environment")
	is := issues[0]
	assert.Equal(t, "octo-org/webui-infra", is.Repo, "the run's repository")
	assert.Equal(t, "open", is.State)
	assert.Equal(t, []string{"ecsflow-cost"}, is.Labels)
	assert.Contains(t, is.Title, "Cost report for dev: save $")
	assert.Contains(t, is.Body, "<!-- ecsflow-optimize environment=dev -->", "the marker the next run finds it by")
	assert.Contains(t, is.Body, "+++ b/examples/open-webui/terraform/locals.tf", "a diff against the line that sets the size")
	assert.Contains(t, is.Body, "**spot**", "Spot outside production")

	// 2. The next week's run: the same issue is updated, nothing new opened.
	r = run()
	r.RequireSuccess(t)
	assert.Equal(t, "1", r.Output("optimize", "issue-number"), r.Log)
	assert.Contains(t, r.Log, "cost issue #1 updated")
	issues = gh.Issues()
	require.Len(t, issues, 1, "no duplicate issue")
	assert.Equal(t, "open", issues[0].State)
	patched := 0
	for _, q := range gh.Requests() {
		assert.Less(t, q.Status, 300, "%s %s", q.Method, q.Path)
		if q.Method == "PATCH" && q.Path == "/repos/octo-org/webui-infra/issues/1" {
			patched++
		}
	}
	assert.Equal(t, 1, patched, "the second run updates the issue")
}
