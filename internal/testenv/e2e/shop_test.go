package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// gitRepo makes dir a git repository with one commit of its files on
// branch, tagged tag when tag is not empty, and returns the commit.
func gitRepo(t testing.TB, dir, branch, tag string) string {
	t.Helper()
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=e2e", "-c", "user.email=e2e@example.org", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
		return strings.TrimSpace(string(out))
	}
	git("init", "-q", "-b", branch)
	git("add", "-A")
	git("commit", "-q", "-m", "e2e")
	if tag != "" {
		git("tag", tag)
	}
	return git("rev-parse", "HEAD")
}

var (
	gitBaseOnce sync.Once
	gitBase     string
	gitBaseTag  string // the commit the release tag points at
)

// releaseGitBase is ECSFLOW_E2E_GIT_BASE for the checkout stand-in: the
// release checkout as the git repository ecsflow/ecsflow with its tag, as
// the reusable workflows check ecsflow out at the pin.
func releaseGitBase(t testing.TB, root string) string {
	t.Helper()
	gitBaseOnce.Do(func() {
		base, err := os.MkdirTemp("", "ecsflow-e2e-gitbase-")
		require.NoError(t, err)
		repo := filepath.Join(base, "ecsflow", "ecsflow")
		require.NoError(t, os.CopyFS(repo, os.DirFS(root)))
		gitBaseTag = gitRepo(t, repo, "main", releaseVersion)
		gitBase = base
	})
	require.NotEmpty(t, gitBase)
	return gitBase
}

// shopRepo is the shop as a team's own repository: a copy of
// examples/shop committed on branch dev.
func shopRepo(t *testing.T) (dir, commit string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "shop")
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(e2e.RepoRoot(t), "examples", "shop"))))
	return dir, gitRepo(t, dir, "dev", "")
}

// The shop (one image as api and worker, infra/ in eu-west-1, ecsflow.yaml)
// runs its own caller workflows, which call ecsflow's reusable workflows by
// `uses: ecsflow/ecsflow/.github/workflows/...@v1.4.2`, fully offline: act
// maps the pin to the release checkout (--local-repository), the workflows
// check ecsflow out at the tag from a local clone, and every binary comes
// from the release assets served locally, verified, with no Go on PATH. On
// the sandbox seeded from the shop's own Terraform: the PR gate passes,
// both services run the one image with the same digest, and drift-check
// finds the stack in sync.
func TestShopRunsPinnedReusableWorkflowsOffline(t *testing.T) {
	t.Parallel()
	const region = "eu-west-1"
	root, dist := preparedRelease(t)
	srv, hits := releaseServer(t, dist, func(b []byte) []byte { return b })
	sb := e2e.Sandbox(t)
	st, err := sb.SeedStack(context.Background(), sandbox.StackOptions{Dir: filepath.Join(e2e.RepoRoot(t), "examples", "shop", "infra"),
		Region: region, LedgerTable: "shop-deployments"})
	require.NoError(t, err)
	repo, commit := shopRepo(t)
	// Every job gets an OIDC token with the claims GitHub gives a job of a
	// reusable workflow called at the tag: the pin comes from the token, as
	// on GitHub (no ecsflow-ref), and drift-check assumes its role with it.
	base := releaseGitBase(t, root)
	env := e2e.OIDCEnv(t, map[string]string{
		"sub":              "repo:shop-org/shop:ref:refs/heads/dev",
		"job_workflow_ref": "ecsflow/ecsflow/.github/workflows/phase1-deploy.yml@refs/tags/" + releaseVersion,
		"job_workflow_sha": gitBaseTag,
	})
	env["ECSFLOW_RELEASE_URL"] = srv.URL
	env["ECSFLOW_E2E_GIT_BASE"] = base
	env["GITHUB_REPOSITORY"] = "shop-org/shop"
	run := func(file, event string, payload any) *e2e.Result {
		return e2e.Run(t, e2e.Workflow{
			Repo: repo, File: filepath.Join(repo, ".github", "workflows", file), Event: event, Payload: payload,
			Region: region, NoBinDir: true, NoGo: true, Timeout: 15 * time.Minute, Env: env,
			Stubs: map[string]string{"ecsflow/ecsflow@" + releaseVersion: root},
			Vars: map[string]string{"ECSFLOW_SANDBOX": "true", "ECSFLOW_REGISTRY": sb.RegistryHost,
				"ECSFLOW_AWS_ROLES": `{"dev": {"readonly": "arn:aws:iam::123456789012:role/shop-dev-github-readonly"}}`},
		})
	}
	// Every binary is the verified release asset: none is built from source.
	fromRelease := func(r *e2e.Result) {
		t.Helper()
		assert.Contains(t, r.Log, "(sha256 ", "setup-binary verified a release asset")
		assert.NotContains(t, r.Log, "from source", "no source build")
	}

	pr := run("pr.yml", "pull_request", map[string]any{"pull_request": map[string]any{"number": 3, "base": map[string]any{"sha": ""}}})
	pr.RequireSuccess(t)
	assert.Equal(t, "success", pr.Jobs["validate"], pr.Log)
	assert.Equal(t, "0", pr.Output("validate", "errors"), pr.Log)
	assert.Equal(t, `["api","worker"]`, pr.Output("changed", "services"), pr.Log)
	fromRelease(pr)

	deploy := run("deploy.yml", "push", map[string]any{"ref": "refs/heads/dev", "before": "", "after": commit, "deleted": false})
	deploy.RequireSuccess(t)
	assert.Equal(t, "succeeded", deploy.Output("deploy", "status"), deploy.Log)
	fromRelease(deploy)
	api := ecs.NewFromConfig(sandboxtest.Config(t, region))
	out, err := api.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String(st.Cluster), Services: []string{"api", "worker"}})
	require.NoError(t, err)
	require.Len(t, out.Services, 2)
	images := map[string]string{}
	for _, svc := range out.Services {
		name := aws.ToString(svc.ServiceName)
		seeded, _ := st.Service(name)
		assert.NotEqual(t, seeded.TaskDefinitionARN, aws.ToString(svc.TaskDefinition), "%s runs a new revision", name)
		assert.EqualValues(t, svc.DesiredCount, svc.RunningCount, name)
		td, err := api.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition})
		require.NoError(t, err)
		assert.Equal(t, "shop-"+name, aws.ToString(td.TaskDefinition.Family), "each service keeps its own family")
		images[name] = aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image)
	}
	assert.Equal(t, sb.RegistryHost+"/shop/app:"+commit, images["api"], "the one repository of ecsflow.yaml, tagged with the commit")
	assert.Equal(t, images["api"], images["worker"], "both services run the same image")
	// The tag names one digest in the repository (tags are immutable):
	// both services run the same image digest, built once.
	imgs, err := ecr.NewFromConfig(sandboxtest.Config(t, region)).DescribeImages(context.Background(), &ecr.DescribeImagesInput{RepositoryName: aws.String("shop/app")})
	require.NoError(t, err)
	require.Len(t, imgs.ImageDetails, 1, "one image pushed for the two services")
	assert.Contains(t, imgs.ImageDetails[0].ImageTags, commit)
	assert.True(t, strings.HasPrefix(aws.ToString(imgs.ImageDetails[0].ImageDigest), "sha256:"))

	drift := run("drift.yml", "workflow_dispatch", map[string]any{})
	drift.RequireSuccess(t)
	assert.Equal(t, "false", drift.Output("drift", "drifted"), drift.Log)
	assert.Equal(t, "0", drift.Output("drift", "changed"), drift.Log)
	assert.Equal(t, "0", drift.Output("drift", "missing"), drift.Log)
	fromRelease(drift)
	assert.Positive(t, hits.Load(), "the binaries came from the local release server")
}
