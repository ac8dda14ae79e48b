package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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

// gitBase is ECSFLOW_E2E_GIT_BASE for the checkout stand-in: a checkout
// of ecsflow as the git repository ecsflow/ecsflow with the release tag, as
// the reusable workflows check ecsflow out at the pin.
type gitBase struct{ dir, tagCommit string }

var (
	gitBasesMu sync.Mutex
	gitBases   = map[string]gitBase{} // by checkout
	shopOnce   sync.Once
	shopStack  *sandbox.Stack
	shopErr    error
	shopCommit atomic.Int32
)

func releaseGitBase(t testing.TB, root string) gitBase {
	t.Helper()
	gitBasesMu.Lock()
	defer gitBasesMu.Unlock()
	if gb, ok := gitBases[root]; ok {
		return gb
	}
	dir, err := os.MkdirTemp("", "ecsflow-e2e-gitbase-")
	require.NoError(t, err)
	repo := filepath.Join(dir, "ecsflow", "ecsflow")
	require.NoError(t, os.CopyFS(repo, os.DirFS(root)))
	gb := gitBase{dir: dir, tagCommit: gitRepo(t, repo, "main", releaseVersion)}
	gitBases[root] = gb
	return gb
}

// shopRepo is the shop as a team's own repository: a copy of
// examples/shop committed on branch dev (each call its own commit).
func shopRepo(t testing.TB) (dir, commit string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "shop")
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(e2e.RepoRoot(t), "examples", "shop"))))
	n := shopCommit.Add(1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app", "BUILD"), []byte(fmt.Sprintf("%d\n", n)), 0o644))
	return dir, gitRepo(t, dir, "dev", "")
}

// seededShop seeds the shop's own Terraform in eu-west-1, the region its
// workflows name, once per test binary, with the ledger its workflows use.
func seededShop(t testing.TB) (*sandbox.Sandbox, *sandbox.Stack) {
	t.Helper()
	sb := e2e.Sandbox(t)
	shopOnce.Do(func() {
		shopStack, shopErr = sb.SeedStack(context.Background(), sandbox.StackOptions{
			Dir:    filepath.Join(e2e.RepoRoot(t), "examples", "shop", "infra"),
			Region: shopRegion, LedgerTable: "shop-deployments"})
	})
	require.NoError(t, shopErr)
	return sb, shopStack
}

const shopRegion = "eu-west-1"

// shopRun runs one of the shop's caller workflows in repo with ecsflow
// mapped to root (a release checkout) and the assets served at url.
func shopRun(t testing.TB, sb *sandbox.Sandbox, root, url, repo, file, event string, payload any, extra ...func(*e2e.Workflow)) *e2e.Result {
	t.Helper()
	// Every job gets an OIDC token with the claims GitHub gives a job of a
	// reusable workflow called at the tag: the pin comes from the token, as
	// on GitHub (no ecsflow-ref), and drift-check assumes its role with it.
	base := releaseGitBase(t, root)
	env := e2e.OIDCEnv(t, map[string]string{
		"sub":              "repo:shop-org/shop:ref:refs/heads/dev",
		"job_workflow_ref": "ecsflow/ecsflow/.github/workflows/phase1-deploy.yml@refs/tags/" + releaseVersion,
		"job_workflow_sha": base.tagCommit,
	})
	env["ECSFLOW_RELEASE_URL"] = url
	env["ECSFLOW_E2E_GIT_BASE"] = base.dir
	env["GITHUB_REPOSITORY"] = "shop-org/shop"
	wf := e2e.Workflow{
		Repo: repo, File: filepath.Join(repo, ".github", "workflows", file), Event: event, Payload: payload,
		Region: shopRegion, NoBinDir: true, NoGo: true, Timeout: 15 * time.Minute, Env: env,
		Stubs: map[string]string{"ecsflow/ecsflow@" + releaseVersion: root},
		Vars: map[string]string{"ECSFLOW_SANDBOX": "true", "ECSFLOW_REGISTRY": sb.RegistryHost,
			"ECSFLOW_AWS_ROLES": `{"dev": {"readonly": "arn:aws:iam::123456789012:role/shop-dev-github-readonly"}}`},
	}
	for _, f := range extra {
		f(&wf)
	}
	return e2e.Run(t, wf)
}

func pushPayload(commit string) map[string]any {
	return map[string]any{"ref": "refs/heads/dev", "before": "", "after": commit, "deleted": false}
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
	const region = shopRegion
	root, dist := preparedRelease(t)
	srv, hits := releaseServer(t, dist, func(b []byte) []byte { return b })
	sb, st := seededShop(t)
	repo, commit := shopRepo(t)
	run := func(file, event string, payload any) *e2e.Result {
		return shopRun(t, sb, root, srv.URL, repo, file, event, payload)
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

	deploy := run("deploy.yml", "push", pushPayload(commit))
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

// BenchmarkShopDeployStart reports, for the shop's deploy workflow (its
// caller pinned to @v1.4.2, run offline under act on the sandbox), the time
// from act's start until the deploy job's deploy-ecs binary runs
// (s-to-deploy) and the whole run (s-run): with every binary from the
// verified release assets and no Go, and built from source with Go and an
// empty build cache (the same checkout without its release/ files, as for a
// SHA between releases). scripts/bench/release.sh prints it as a report.
func BenchmarkShopDeployStart(b *testing.B) {
	root, dist := preparedRelease(b)
	srv, _ := releaseServer(b, dist, func(body []byte) []byte { return body })
	unreleased := b.TempDir()
	require.NoError(b, os.CopyFS(unreleased, os.DirFS(root)))
	require.NoError(b, os.RemoveAll(filepath.Join(unreleased, "release")))
	sb, _ := seededShop(b)
	cases := []struct {
		name string
		root string
		opt  func(*e2e.Workflow)
	}{
		{name: "release-asset", root: root, opt: func(*e2e.Workflow) {}},
		{name: "source-build", root: unreleased, opt: func(wf *e2e.Workflow) {
			wf.NoGo = false
			wf.Env["GOCACHE"] = b.TempDir()
			wf.Timeout = 30 * time.Minute
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var toDeploy, total time.Duration
			for b.Loop() {
				repo, commit := shopRepo(b)
				start := time.Now()
				r := shopRun(b, sb, tc.root, srv.URL, repo, "deploy.yml", "push", pushPayload(commit), tc.opt)
				total += time.Since(start)
				r.RequireSuccess(b)
				run := r.Step("deploy/run")
				require.NotNil(b, run, r.Log)
				toDeploy += run.Start
			}
			b.ReportMetric(toDeploy.Seconds()/float64(b.N), "s-to-deploy")
			b.ReportMetric(total.Seconds()/float64(b.N), "s-run")
		})
	}
}
