// Package phases runs ecsflow's reusable phase workflows end to end with act,
// through caller workflows under testdata/ that call them the way a team's
// repository does (with ecsflow-ref: local, so the workflows use this
// checkout's actions and scripts).
package phases

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/e2e"
	"github.com/ecsflow/ecsflow/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

func needActions(t *testing.T, names ...string) {
	t.Helper()
	for _, a := range names {
		if !e2e.Built(t, a) {
			t.Fatalf("actions/%s/main.go is missing: the workflow under test needs it", a)
		}
	}
}

// prPayload is a pull_request event without a usable base, so every service
// counts as changed.
var prPayload = map[string]any{"pull_request": map[string]any{"number": 7, "base": map[string]any{"sha": ""}}}

// Phase 1 PR on the example stack: validate passes without findings, every
// service builds without pushing, the notify job runs (no webhook set).
func TestPhase1PullRequestPasses(t *testing.T) {
	t.Parallel()
	needActions(t, "validate", "build-push")
	r := e2e.Run(t, e2e.Workflow{File: "testdata/phase1-pr-good.yml", Event: "pull_request", NoSandbox: true, Payload: prPayload})
	r.RequireSuccess(t)
	assert.Equal(t, "success", r.Jobs["validate"], r.Log)
	assert.Equal(t, "success", r.Jobs["changes"], r.Log)
	assert.Equal(t, "success", r.Jobs["notify"], r.Log)
	assert.Equal(t, "0", r.Output("validate", "errors"), r.Log)
	assert.Equal(t, `["bedrock-access-gateway","mcpo","open-webui"]`, r.Output("changed", "services"))
	assert.Contains(t, r.Summary, "ecsflow validate")
	assert.Empty(t, r.Errors(), "no ::error on a clean stack")

	// act reports one step per step ID, so judge the matrix legs by their
	// job lines: each service's leg built its image and succeeded.
	b := r.Step("build")
	if assert.NotNil(t, b, r.Log) {
		assert.Equal(t, "built-not-pushed", b.Outputs["result"])
		assert.True(t, strings.HasPrefix(b.Outputs["digest"], "sha256:"), "digest %q", b.Outputs["digest"])
	}
	for _, svc := range []string{"bedrock-access-gateway", "mcpo", "open-webui"} {
		re := regexp.MustCompile(`Build ` + regexp.QuoteMeta(svc) + ` \(no push\)[^\]]*\]\s+🏁\s+Job succeeded`)
		assert.Regexp(t, re, r.Log, "the %s leg of the build matrix succeeded", svc)
	}
	assert.Contains(t, r.Log, "notify: ✅")
}

// Phase 1 PR on a copy of the stack with planted defects: the validate job
// fails with file/line annotations naming the defects; nothing is built.
func TestPhase1PullRequestFailsOnPlantedDefects(t *testing.T) {
	t.Parallel()
	needActions(t, "validate", "build-push")
	if _, err := os.Stat("../../validate/testdata/badstack/planted.tf"); err != nil {
		t.Fatalf("the planted-defect stack of the validate tests is missing: %v", err)
	}
	r := e2e.Run(t, e2e.Workflow{File: "testdata/phase1-pr-planted.yml", Event: "pull_request", NoSandbox: true, Payload: prPayload})
	r.RequireFailure(t)
	assert.Equal(t, "failure", r.Jobs["validate"], r.Log)
	assert.Equal(t, "[]", r.Output("changed", "services"))
	assert.NotContains(t, r.Jobs, "build", "no service changed, nothing to build")
	assert.Equal(t, "success", r.Jobs["notify"], "notify runs after a failure too")
	assert.Contains(t, r.Log, "notify: ❌")

	titles := map[string]bool{}
	for _, a := range r.Errors() {
		if f := a.Fields["file"]; f != "" {
			assert.True(t, strings.HasPrefix(f, "internal/validate/testdata/badstack/"), "annotation file %q", f)
			assert.NotEmpty(t, a.Fields["line"], "annotation %q has a line", a.Message)
			titles[strings.Fields(a.Fields["title"])[0]] = true
		}
	}
	for _, id := range []string{"EF201", "EF204", "EF207", "EF501", "EF601", "EF801"} {
		assert.True(t, titles[id], "planted defect %s reported; got %v", id, titles)
	}
	assert.NotEqual(t, "0", r.Output("validate", "errors"))
}

// Phase 1 deploy on a push to dev, on the sandbox: every service is built and
// pushed, then deployed in waves with the rolling strategy; each service runs
// a new revision of its task definition with the image of this commit.
func TestPhase1DeployToDev(t *testing.T) {
	t.Parallel()
	needActions(t, "build-push", "deploy-ecs")
	const region = "eu-west-3"
	sb, stack := sandboxtest.SeededRegion(t, region)
	before := map[string]string{}
	for _, s := range stack.Services {
		before[s.Name] = s.TaskDefinitionARN
	}
	r := e2e.Run(t, e2e.Workflow{
		File:    "testdata/phase1-deploy.yml",
		Event:   "push",
		Region:  region,
		Payload: map[string]any{"ref": "refs/heads/dev", "before": ""},
		Vars: map[string]string{"REGION": region, "CLUSTER": stack.Cluster, "REGISTRY": sb.RegistryHost,
			"LEDGER": stack.LedgerTable},
		Timeout: 10 * time.Minute,
	})
	r.RequireSuccess(t)
	assert.Equal(t, "dev", r.Output("env", "environment"), r.Log)
	assert.Equal(t, "success", r.Jobs["deploy"], r.Log)
	assert.Equal(t, "succeeded", r.Output("deploy", "status"), r.Log)
	assert.Contains(t, r.Summary, "wave 1 started: bedrock-access-gateway, mcpo")
	assert.Contains(t, r.Summary, "wave 2 started: open-webui")

	var arns map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.Output("deploy", "task-definition-arn")), &arns), r.Log)
	require.Len(t, arns, 3)
	api := ecs.NewFromConfig(sandboxtest.Config(t, region))
	sha := headSHA(t)
	for name, arn := range arns {
		assert.NotEqual(t, before[name], arn, "%s runs a new revision", name)
		td, err := api.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
		require.NoError(t, err)
		img := aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image)
		assert.Equal(t, sb.RegistryHost+"/ecsflow/"+name+":"+sha, img, "%s image", name)
	}
}

func headSHA(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}
