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
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
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
	if _, err := os.Stat("../../../validate/testdata/badstack/planted.tf"); err != nil {
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

// Phase 1 PR on the example stack with its policies and a planted change
// that one of them refuses: the validate job fails with the policy's
// annotation on the log groups' line (the good run above passes the same
// policies without the change).
func TestPhase1PullRequestFailsOnPolicy(t *testing.T) {
	t.Parallel()
	needActions(t, "validate")
	r := e2e.Run(t, e2e.Workflow{File: "testdata/phase1-pr-policy.yml", Event: "pull_request", NoSandbox: true, Payload: prPayload})
	r.RequireFailure(t)
	assert.Equal(t, "failure", r.Jobs["validate"], r.Log)
	var denied []string
	for _, a := range r.Errors() {
		if strings.HasPrefix(a.Fields["title"], "policy/main/deny ") {
			assert.Equal(t, "examples/open-webui/terraform/monitoring.tf", a.Fields["file"], a.Message)
			assert.NotEmpty(t, a.Fields["line"], a.Message)
			denied = append(denied, a.Message)
		}
	}
	assert.Contains(t, strings.Join(denied, "\n"), "keeps logs 3 days; dev keeps them at least 7", r.Log)
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
	// The pushed commit is pinned: HEAD of this busy clone may move while
	// the test runs, and the images must carry the commit of the push.
	commit := headSHA(t)
	r := e2e.Run(t, e2e.Workflow{
		File:    "testdata/phase1-deploy.yml",
		Event:   "push",
		Region:  region,
		Payload: map[string]any{"ref": "refs/heads/dev", "before": "", "after": commit, "deleted": false},
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
	// Images are tagged with the commit of the push.
	for name, arn := range arns {
		assert.NotEqual(t, before[name], arn, "%s runs a new revision", name)
		td, err := api.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
		require.NoError(t, err)
		img := aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image)
		assert.Equal(t, sb.RegistryHost+"/ecsflow/"+name+":"+commit, img, "%s image", name)
	}
}

// headSHA is the repository's current commit.
func headSHA(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", e2e.RepoRoot(t), "rev-parse", "HEAD").Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// oidcServer stands in for the Actions OIDC token endpoint.
func oidcServer(t *testing.T) map[string]string { return e2e.OIDCEnv(t, nil) }

// Phase 2: a canary in staging that an alarm fails is rolled back; with the
// alarm quiet, staging deploys; prod then promotes staging's image (no
// rebuild, same digest) and deploys it blue/green.
func TestPhase2StagingCanaryThenProdPromotion(t *testing.T) {
	t.Parallel()
	needActions(t, "build-push", "deploy-ecs", "rollback")
	const stagingRegion, prodRegion = "ap-south-1", "ca-central-1"
	sb, staging := sandboxtest.SeededRegion(t, stagingRegion)
	_, prod := sandboxtest.SeededRegion(t, prodRegion)
	webui, ok := staging.Service("open-webui")
	require.True(t, ok)
	require.NotEmpty(t, webui.DeploymentAlarms)
	alarm := webui.DeploymentAlarms[0]
	oidc := oidcServer(t)
	// The same commit goes to staging and then to prod, as on GitHub; pin
	// it (act takes github.sha from the push event's "after" only when the
	// payload says "deleted": false, as GitHub's does), because HEAD of this
	// busy clone may move between the runs.
	commit := headSHA(t)
	roles := `{"staging":{"deploy":"arn:aws:iam::123456789012:role/ecsflow-staging-github-deploy"},` +
		`"prod":{"deploy":"arn:aws:iam::123456789012:role/ecsflow-prod-github-deploy"}}`
	run := func(branch, region string, st *sandbox.Stack, promote string) *e2e.Result {
		return e2e.Run(t, e2e.Workflow{
			File: "testdata/phase2-deploy.yml", Event: "push", Region: region, Env: oidc,
			Payload: map[string]any{"ref": "refs/heads/" + branch, "before": "", "after": commit, "deleted": false},
			Vars: map[string]string{"ROLES": roles, "REGION": region, "CLUSTER": st.Cluster, "REGISTRY": sb.RegistryHost,
				"SERVICES": `["open-webui"]`, "LEDGER": st.LedgerTable, "PROMOTE": promote,
				"ALARMS": `{"staging":"` + alarm + `","prod":"` + alarm + `"}`},
			Timeout: 8 * time.Minute,
		})
	}
	cw := cloudwatch.NewFromConfig(sandboxtest.Config(t, stagingRegion), cloudwatchclient.Options(func(k string) string {
		if k == "AWS_ENDPOINT_URL" {
			return sb.Endpoint
		}
		return ""
	})...)
	setAlarm := func(state cwtypes.StateValue) {
		_, err := cw.SetAlarmState(context.Background(), &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(alarm),
			StateValue: state, StateReason: aws.String("e2e")})
		require.NoError(t, err)
	}

	// 1. The canary meets an alarm in ALARM: rolled back, the run fails.
	setAlarm(cwtypes.StateValueAlarm)
	r := run("staging", stagingRegion, staging, "{}")
	r.RequireFailure(t)
	assert.Equal(t, "staging", r.Output("env", "environment"))
	assert.Equal(t, "canary", r.Output("env", "strategy"))
	assert.Equal(t, "rolled-back", r.Output("deploy", "status"), r.Log)
	assert.Contains(t, r.Summary, alarm)
	// built, or skipped when another test already pushed this context to the
	// shared sandbox registry.
	assert.Contains(t, []string{"built", "skipped"}, r.Output("image", "result"), r.Log)
	firstDigest := r.Output("image", "digest")

	// 2. Alarm quiet: the canary completes in staging.
	setAlarm(cwtypes.StateValueOk)
	r = run("staging", stagingRegion, staging, "{}")
	r.RequireSuccess(t)
	assert.Equal(t, "succeeded", r.Output("deploy", "status"), r.Log)
	assert.Equal(t, "skipped", r.Output("image", "result"), "same context: tags only, no rebuild")
	stagingDigest := r.Output("image", "digest")
	assert.Equal(t, firstDigest, stagingDigest)
	assert.Equal(t, commit, r.Output("image", "tags"), "staging tags the pushed commit")
	require.True(t, strings.HasPrefix(stagingDigest, "sha256:"), r.Log)

	// 3. prod takes the staging image without rebuilding: build-push's
	// promote-from copies staging's manifest by digest, so prod runs the
	// very bytes staging proved.
	r = run("main", prodRegion, prod, `{"prod":"`+sb.RegistryHost+`"}`)
	r.RequireSuccess(t)
	assert.Equal(t, "prod", r.Output("env", "environment"))
	assert.Equal(t, "blue-green", r.Output("env", "strategy"))
	assert.Equal(t, sb.RegistryHost, r.Output("env", "promote-registry"))
	assert.Equal(t, "promoted", r.Output("image", "result"), "prod promotes with promote-from; log:\n%s", r.Log)
	assert.Equal(t, "false", r.Output("image", "built"), "prod must not build")
	assert.Equal(t, stagingDigest, r.Output("image", "digest"), "prod runs the bytes staging proved")
	assert.Equal(t, "succeeded", r.Output("deploy", "status"), r.Log)
	sha := r.Output("image", "tags")
	require.Equal(t, commit, sha, "prod is tagged with the commit staging ran; log:\n%s", r.Log)
	ecrProd := ecr.NewFromConfig(sandboxtest.Config(t, prodRegion))
	imgs, err := ecrProd.DescribeImages(context.Background(), &ecr.DescribeImagesInput{
		RepositoryName: aws.String("ecsflow/open-webui"),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageTag: aws.String(sha)}},
	})
	require.NoError(t, err)
	require.Len(t, imgs.ImageDetails, 1)
	assert.Equal(t, stagingDigest, aws.ToString(imgs.ImageDetails[0].ImageDigest))
}
