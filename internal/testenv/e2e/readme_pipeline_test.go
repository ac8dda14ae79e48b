package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// readmePipeline is the README's caller workflow, the fenced block that
// starts with "# .github/workflows/pipeline.yml", as a team copies it.
func readmePipeline(t testing.TB) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(e2e.RepoRoot(t), "README.md"))
	require.NoError(t, err)
	re := regexp.MustCompile("(?ms)^```yaml\n(# \\.github/workflows/pipeline\\.yml\n.*?)^```\n")
	m := re.FindSubmatch(readme)
	require.NotNil(t, m, "README has the pipeline.yml block")
	return string(m[1])
}

const pipelineRegion = "eu-central-1"

// The README's caller workflow runs on the sandbox as
// docs/getting-started.md ("Rehearse the README pipeline on the sandbox")
// shows: examples/pipeline as the team's repository with the README's block
// as .github/workflows/pipeline.yml, the sandbox seeded from its terraform/
// in eu-central-1 (app-dev and app-prod), ecsflow's actions @v1 mapped to
// this checkout (--local-repository), the variable SCAN_FAIL_ON_SEVERITY
// CRITICAL (the sandbox's scan stand-in reports one HIGH finding for every
// image) and ECR_REGISTRY_DEV the sandbox registry. A push to main builds,
// scans and deploys to app-dev, then prod promotes the digest dev ran and
// deploys it.
func TestReadmePipelineRunsOnTheSandbox(t *testing.T) {
	t.Parallel()
	repo := filepath.Join(t.TempDir(), "app")
	require.NoError(t, os.CopyFS(repo, os.DirFS(filepath.Join(e2e.RepoRoot(t), "examples", "pipeline"))))
	wfDir := filepath.Join(repo, ".github", "workflows")
	require.NoError(t, os.MkdirAll(wfDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(wfDir, "pipeline.yml"), []byte(readmePipeline(t)), 0o644))
	commit := gitRepo(t, repo, "main", "")

	sb := e2e.Sandbox(t)
	st, err := sb.SeedStack(context.Background(), sandbox.StackOptions{Dir: filepath.Join(repo, "terraform"), Region: pipelineRegion})
	require.NoError(t, err)
	seeded, ok := st.Service("app")
	require.True(t, ok, "the stack seeds the service app")

	r := e2e.Run(t, e2e.Workflow{
		Repo: repo, File: filepath.Join(wfDir, "pipeline.yml"), Event: "push",
		Payload: map[string]any{"ref": "refs/heads/main", "before": "", "after": commit},
		Region:  pipelineRegion, Timeout: 15 * time.Minute,
		Stubs: map[string]string{"ecsflow/ecsflow@v1": e2e.RepoRoot(t)},
		Vars:  map[string]string{"SCAN_FAIL_ON_SEVERITY": "CRITICAL", "ECR_REGISTRY_DEV": sb.RegistryHost},
	})
	r.RequireSuccess(t)
	assert.Equal(t, "success", r.Jobs["dev"], r.Log)
	assert.Equal(t, "success", r.Jobs["prod"], r.Log)

	api := ecs.NewFromConfig(sandboxtest.Config(t, pipelineRegion))
	images := map[string]string{}
	for _, cluster := range []string{"app-dev", "app-prod"} {
		out, err := api.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{"app"}})
		require.NoError(t, err)
		require.Len(t, out.Services, 1, cluster)
		svc := out.Services[0]
		assert.NotEqual(t, seeded.TaskDefinitionARN, aws.ToString(svc.TaskDefinition), "%s runs a new revision", cluster)
		assert.EqualValues(t, svc.DesiredCount, svc.RunningCount, cluster)
		td, err := api.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition})
		require.NoError(t, err)
		images[cluster] = aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image)
	}
	assert.True(t, strings.HasPrefix(images["app-dev"], sb.RegistryHost+"/app@sha256:"), "dev runs the image build-push pushed, by digest: %s", images["app-dev"])
	assert.Equal(t, images["app-dev"], images["app-prod"], "prod runs the digest dev ran, promoted, not rebuilt")
}
