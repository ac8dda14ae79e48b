package buildpush

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/ecsflow/ecsflow/internal/buildctx"
	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/ecr"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/gitsource"
	"github.com/ecsflow/ecsflow/internal/registry"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

func client() *registry.Client { return registry.New(registry.WithKeychain(registry.Keychain{})) }

func mustRepo(t *testing.T, host, repo string) name.Repository {
	t.Helper()
	r, err := registry.Repository(host, repo)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantCode(t *testing.T, r run, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstderr: %s\nstdout: %s", r.code, code, r.stderr, r.stdout)
	}
}

// rawManifest reads the manifest bytes a tag or digest names.
func rawManifest(t *testing.T, ref string) []byte {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	a, err := client().Get(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := a.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestBuildSkipPromote(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	dir := fixture(t)

	// Cold build.
	r1 := runAction(t, Deps{}, nil, "--context", dir, "--repository", "staging/web", "--registry", host,
		"--builder", "buildah", "--tags", "sha,short-sha,branch", "--build-args", "GREETING=hi", "--platforms", "linux/amd64")
	wantCode(t, r1, exitcode.OK)
	if r1.res.Outcome != "built" || r1.out["built"] != "true" || r1.out["result"] != "built" {
		t.Fatalf("first run: outcome %q outputs %v", r1.res.Outcome, r1.out)
	}
	if r1.out["tags"] != testSHA+","+testSHA[:7]+",main" {
		t.Fatalf("tags output %q", r1.out["tags"])
	}
	if !strings.HasPrefix(r1.out["image"], host+"/staging/web@sha256:") || r1.out["digest"] != r1.res.Digest {
		t.Fatalf("image output %q digest %q", r1.out["image"], r1.out["digest"])
	}
	if r1.res.Traffic.BytesUp == 0 {
		t.Fatal("a cold build uploaded no blob bytes")
	}
	for _, want := range []string{"| Result | built and pushed |", "#### Steps", "| Build |", "| Digest | `" + r1.res.Digest} {
		if !strings.Contains(r1.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r1.stdout)
		}
	}
	// The image carries the context digest and the OCI labels.
	a, err := client().Get(context.Background(), mustRepo(t, host, "staging/web").Digest(r1.res.Digest))
	if err != nil {
		t.Fatal(err)
	}
	labels, _ := a.Labels()
	if labels[buildctx.Label] != r1.out["context-digest"] || labels["org.opencontainers.image.revision"] != testSHA || labels["greeting"] != "hi" {
		t.Fatalf("labels = %v", labels)
	}

	// Unchanged context (an ignored file changed): skipped, tags added, no blob bytes.
	if err := os.WriteFile(filepath.Join(dir, "scratch.tmp"), []byte("ignored"), 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := runAction(t, Deps{}, map[string]string{"GITHUB_SHA": strings.Repeat("e", 40)}, "--context", dir, "--repository", "staging/web", "--registry", host,
		"--builder", "buildah", "--tags", "sha", "--build-args", "GREETING=hi", "--platforms", "linux/amd64")
	wantCode(t, r2, exitcode.OK)
	if r2.res.Outcome != "skipped" || r2.out["built"] != "false" || r2.res.Digest != r1.res.Digest {
		t.Fatalf("second run: outcome %q digest %s (first %s)", r2.res.Outcome, r2.res.Digest, r1.res.Digest)
	}
	if tr := r2.res.Traffic; tr.BytesUp != 0 || tr.BlobUploads != 0 {
		t.Fatalf("skip uploaded blobs: %+v", tr)
	}
	if got, ok, _ := client().Resolve(context.Background(), mustRepo(t, host, "staging/web"), strings.Repeat("e", 40)); !ok || got.String() != r1.res.Digest {
		t.Fatalf("new tag not added to the existing image: %v %v", got, ok)
	}

	// A changed build arg changes the context digest: a new build.
	r3 := runAction(t, Deps{}, map[string]string{"GITHUB_SHA": strings.Repeat("f", 40)}, "--context", dir, "--repository", "staging/web", "--registry", host,
		"--builder", "buildah", "--tags", "sha", "--build-args", "GREETING=bye", "--platforms", "linux/amd64")
	wantCode(t, r3, exitcode.OK)
	if r3.res.Outcome != "built" || r3.res.Digest == r1.res.Digest {
		t.Fatalf("changed build arg: outcome %q digest %s", r3.res.Outcome, r3.res.Digest)
	}

	// Promote staging -> prod in another registry: same bytes, no build.
	prodHost := newRegistry(t, nil)
	r4 := runAction(t, Deps{}, nil, "--repository", "prod/web", "--registry", prodHost, "--tags", "release-1",
		"--promote-from", host+"/staging/web:"+testSHA[:7])
	wantCode(t, r4, exitcode.OK)
	if r4.res.Outcome != "promoted" || r4.out["built"] != "false" || r4.res.Digest != r1.res.Digest || r4.out["context-digest"] != r1.out["context-digest"] {
		t.Fatalf("promotion: %+v outputs %v", r4.res, r4.out)
	}
	if !bytes.Equal(rawManifest(t, host+"/staging/web@"+r1.res.Digest), rawManifest(t, prodHost+"/prod/web:release-1")) {
		t.Fatal("promoted manifest differs from the staging manifest")
	}
	// Promoting again (a re-run) writes nothing but nothing fails.
	r5 := runAction(t, Deps{}, nil, "--repository", "prod/web", "--registry", prodHost, "--tags", "release-1",
		"--promote-from", host+"/staging/web@"+r1.res.Digest)
	wantCode(t, r5, exitcode.OK)
	if tr := r5.res.Traffic; tr.BytesUp != 0 || tr.ManifestPuts != 0 {
		t.Fatalf("repeated promotion wrote: %+v", tr)
	}
}

func TestImmutableTagConflict(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	dir := fixture(t)
	r1 := runAction(t, Deps{}, nil, "--context", dir, "--repository", "web", "--registry", host, "--builder", "buildah", "--tags", "v1")
	wantCode(t, r1, exitcode.OK)
	if err := os.WriteFile(filepath.Join(dir, "site", "index.html"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := runAction(t, Deps{}, nil, "--context", dir, "--repository", "web", "--registry", host, "--builder", "buildah", "--tags", "new-tag,v1")
	wantCode(t, r2, exitcode.Negative)
	if !strings.Contains(r2.stderr, "tag "+host+"/web:v1 already points at "+r1.res.Digest) || strings.Count(r2.stderr, "sha256:") < 2 {
		t.Fatalf("conflict error must name both digests: %s", r2.stderr)
	}
	if strings.Count(strings.TrimSpace(r2.stderr), "\n") != 0 {
		t.Fatalf("want exactly one error line, got:\n%s", r2.stderr)
	}
	// Nothing of the second image is tagged.
	if _, ok, _ := client().Resolve(context.Background(), mustRepo(t, host, "web"), "new-tag"); ok {
		t.Fatal("new-tag was written although the push was refused")
	}
}

func TestMultiPlatform(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	dir := fixture(t)
	r := runAction(t, Deps{}, nil, "--context", dir, "--repository", "multi", "--registry", host, "--builder", "buildah",
		"--tags", "v1", "--platforms", "linux/amd64,linux/arm64")
	wantCode(t, r, exitcode.OK)
	var idx v1.IndexManifest
	if err := json.Unmarshal(rawManifest(t, host+"/multi:v1"), &idx); err != nil {
		t.Fatal(err)
	}
	var plats []string
	for _, m := range idx.Manifests {
		plats = append(plats, m.Platform.String())
	}
	sort.Strings(plats)
	if !idx.MediaType.IsIndex() || strings.Join(plats, ",") != "linux/amd64,linux/arm64" {
		t.Fatalf("v1 is %s with platforms %v; want one index for amd64 and arm64", idx.MediaType, plats)
	}
}

func TestMultiPlatformFailureLeavesNoTag(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("one platform fails to build", func(t *testing.T) {
		t.Parallel()
		host := newRegistry(t, nil)
		dir := fixture(t)
		if err := os.Remove(filepath.Join(dir, "bin-arm64")); err != nil {
			t.Fatal(err)
		}
		r := runAction(t, Deps{}, nil, "--context", dir, "--repository", "multi", "--registry", host, "--builder", "buildah",
			"--tags", "v1", "--platforms", "linux/amd64,linux/arm64")
		wantCode(t, r, exitcode.Negative)
		if !strings.Contains(r.stderr, "buildah build failed") || !strings.Contains(r.stderr, "bin-arm64") {
			t.Fatalf("error should name the failing step: %s", r.stderr)
		}
		if r.res.Traffic.ManifestPuts != 0 || r.res.Traffic.BytesUp != 0 {
			t.Fatalf("a failed build pushed: %+v", r.res.Traffic)
		}
	})
	t.Run("push fails after the first platform", func(t *testing.T) {
		t.Parallel()
		host := newRegistry(t, nil)
		dir := fixture(t)
		var puts atomic.Int32
		// The registry accepts both platform manifests, then fails the index.
		breakIndex := &failingTransport{next: http.DefaultTransport, fail: func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") && puts.Add(1) == 3
		}}
		r := runAction(t, Deps{Transport: breakIndex}, nil, "--context", dir, "--repository", "multi", "--registry", host, "--builder", "buildah",
			"--tags", "v1", "--platforms", "linux/amd64,linux/arm64")
		if r.code == exitcode.OK {
			t.Fatalf("push with a failing index PUT succeeded:\n%s", r.stdout)
		}
		for _, tag := range []string{"v1", registry.ContextTag(r.res.ContextDigest)} {
			if _, ok, err := client().Resolve(ctx, mustRepo(t, host, "multi"), tag); ok || err != nil {
				t.Fatalf("tag %s exists after a failed push (err %v)", tag, err)
			}
		}
	})
}

type failingTransport struct {
	next http.RoundTripper
	fail func(*http.Request) bool
}

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.fail(r) {
		return &http.Response{StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Request: r, Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(`{"errors":[{"code":"MANIFEST_INVALID","message":"injected failure"}]}`))}, nil
	}
	return f.next.RoundTrip(r)
}

// upstreamRepo makes a bare git repository holding a Dockerfile context
// and returns its URL and commit.
func upstreamRepo(t *testing.T) (string, string) {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	work, bare := filepath.Join(root, "work"), filepath.Join(root, "gateway.git")
	git := func(dir string, args ...string) string {
		t.Helper()
		out, err := gitsource.Git(ctx, dir, append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return out
	}
	if err := os.MkdirAll(filepath.Join(work, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(work, "src", "Dockerfile"), []byte("FROM scratch\nCOPY config.txt /config.txt\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(work, "src", "config.txt"), []byte("region = us-west-2\n"), 0o644))
	git(work, "init", "-q", "-b", "main")
	git(work, "add", ".")
	git(work, "commit", "-q", "-m", "gateway")
	sha := git(work, "rev-parse", "HEAD")
	git(root, "clone", "-q", "--bare", work, bare)
	return "file://" + bare, sha
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPinnedSourceWithPatch(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	url, sha := upstreamRepo(t)
	patches := t.TempDir()
	must(t, os.WriteFile(filepath.Join(patches, "01-region.patch"), []byte(`--- a/src/config.txt
+++ b/src/config.txt
@@ -1 +1 @@
-region = us-west-2
+region = eu-central-1
`), 0o644))
	r := runAction(t, Deps{}, nil, "--source", url+"@"+sha, "--source-path", "src", "--patches", patches,
		"--repository", "gateway", "--registry", host, "--builder", "buildah", "--tags", "short-sha")
	wantCode(t, r, exitcode.OK)
	a, err := client().Get(context.Background(), mustRepo(t, host, "gateway").Tag(testSHA[:7]))
	if err != nil {
		t.Fatal(err)
	}
	labels, _ := a.Labels()
	if labels["org.opencontainers.image.revision"] != sha || labels["io.ecsflow.patches"] != "01-region.patch" || labels["org.opencontainers.image.source"] != url {
		t.Fatalf("labels = %v", labels)
	}
	if got := fileInImage(t, a.Image, "config.txt"); got != "region = eu-central-1\n" {
		t.Fatalf("config.txt in the image = %q; the patch was not applied", got)
	}

	bad := []struct{ name, source, patch, want string }{
		{"branch name", url + "@main", "", `input "source"`},
		{"failing patch", url + "@" + sha, "--- a/src/config.txt\n+++ b/src/config.txt\n@@ -1 +1 @@\n-nope\n+x\n", "patch 01.patch does not apply"},
	}
	for _, tc := range bad {
		args := []string{"--source", tc.source, "--source-path", "src", "--repository", "gateway", "--registry", host, "--builder", "buildah"}
		if tc.patch != "" {
			pd := t.TempDir()
			must(t, os.WriteFile(filepath.Join(pd, "01.patch"), []byte(tc.patch), 0o644))
			args = append(args, "--patches", pd)
		}
		r := runAction(t, Deps{}, nil, args...)
		wantCode(t, r, exitcode.BadInput)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: stderr %q lacks %q", tc.name, r.stderr, tc.want)
		}
	}
}

func fileInImage(t *testing.T, img v1.Image, path string) string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in the image: %v", path, err)
		}
		if strings.TrimPrefix(h.Name, "/") == path {
			b, _ := io.ReadAll(tr)
			return string(b)
		}
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	dir := fixture(t)
	authHost := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}`, http.StatusUnauthorized)
		})
	})
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown builder", []string{"--builder", "kaniko"}, `input "builder": value "kaniko": is not a known value; allowed: auto, buildah, docker`},
		{"unresolved tag", []string{"--tags", "sha,env:DEPLOY_ENV"}, `input "tags"`},
		{"malformed tag", []string{"--tags", "bad tag"}, `input "tags"`},
		{"missing dockerfile", []string{"--dockerfile", "nope/Dockerfile"}, `input "dockerfile": value "nope/Dockerfile": does not exist`},
		{"bad platform", []string{"--platforms", "amd64"}, `input "platforms"`},
		{"bad repository", []string{"--repository", "Web App"}, `input "repository"`},
		{"scan without ECR", []string{"--scan", "ecr"}, `input "scan"`},
		{"refused credentials", []string{"--registry", authHost}, "refused the credentials (HTTP 401)"},
		{"promote-from without tag or digest", []string{"--promote-from", "staging/web"}, `input "promote-from": value "staging/web": names neither a tag nor a digest`},
		{"promote-from not a reference", []string{"--promote-from", "Staging/Web:1"}, `input "promote-from": value "Staging/Web:1": is not an image reference`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--context", dir, "--repository", "web", "--registry", host, "--builder", "buildah", "--ecr", "false"}, tc.args...)
			r := runAction(t, Deps{}, nil, dedupe(args)...)
			wantCode(t, r, exitcode.BadInput)
			if !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Fatalf("stderr = %q, want one line containing %q", r.stderr, tc.want)
			}
		})
	}
}

// dedupe keeps the last value of each --flag, so a case can override the
// defaults of TestBadInput.
func dedupe(args []string) []string {
	last := map[string]int{}
	for i := 0; i+1 < len(args); i += 2 {
		last[args[i]] = i
	}
	var out []string
	for i := 0; i+1 < len(args); i += 2 {
		if last[args[i]] == i {
			out = append(out, args[i], args[i+1])
		}
	}
	return out
}

func TestECRSandboxPairing(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	dir := fixture(t)
	const region = "eu-west-3"
	api := ecrClient(t, region)
	deps := ecrDeps(t, region)
	ctx := context.Background()

	// Missing repository without create-repository: exit 2 naming it.
	r0 := runAction(t, deps, nil, "--context", dir, "--repository", "open-webui", "--registry", host, "--ecr", "true", "--builder", "buildah")
	wantCode(t, r0, exitcode.BadInput)
	if !strings.Contains(r0.stderr, `input "repository"`) || !strings.Contains(r0.stderr, "create-repository: true") {
		t.Fatalf("stderr %q", r0.stderr)
	}

	// Build with ECR: repository created, image recorded with the registry's digest, scan gate.
	r1 := runAction(t, deps, nil, "--context", dir, "--repository", "open-webui", "--registry", host, "--ecr", "true",
		"--create-repository", "true", "--builder", "buildah", "--tags", "short-sha", "--scan", "ecr", "--fail-on-severity", "CRITICAL")
	wantCode(t, r1, exitcode.OK)
	if r1.out["scan-findings"] != `{"HIGH":1}` || !strings.Contains(r1.stdout, "CVE-9999-9999") {
		t.Fatalf("scan-findings %q; summary:\n%s", r1.out["scan-findings"], r1.stdout)
	}
	rep, err := api.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{"open-webui"}})
	if err != nil || rep.Repositories[0].ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable || !rep.Repositories[0].ImageScanningConfiguration.ScanOnPush {
		t.Fatalf("repository: %+v %v", rep, err)
	}
	img, ok, err := ecrFind(ctx, api, "open-webui", testSHA[:7])
	if err != nil || !ok || img != r1.res.Digest {
		t.Fatalf("ECR has %s:%s = %q (%v %v), want the registry digest %s", "open-webui", testSHA[:7], img, ok, err, r1.res.Digest)
	}

	// Same image, stricter gate: the HIGH finding fails the step with exit 1.
	r2 := runAction(t, deps, nil, "--context", dir, "--repository", "open-webui", "--registry", host, "--ecr", "true",
		"--builder", "buildah", "--tags", "short-sha", "--scan", "ecr", "--fail-on-severity", "HIGH")
	wantCode(t, r2, exitcode.Negative)
	if r2.res.Outcome != "skipped" || !strings.Contains(r2.stderr, "1 finding(s) at or above HIGH") {
		t.Fatalf("outcome %q stderr %q", r2.res.Outcome, r2.stderr)
	}

	// ECR enforces immutability on its own: a tag ECR holds for another image
	// is refused even when the layer registry has never seen that tag.
	other := newRegistry(t, nil)
	must(t, os.WriteFile(filepath.Join(dir, "site", "index.html"), []byte("other"), 0o644))
	r3 := runAction(t, deps, nil, "--context", dir, "--repository", "open-webui", "--registry", other, "--ecr", "true",
		"--builder", "buildah", "--tags", "short-sha")
	wantCode(t, r3, exitcode.Negative)
	if !strings.Contains(r3.stderr, "immutable tag "+testSHA[:7]+" already points at "+r1.res.Digest) {
		t.Fatalf("stderr %q", r3.stderr)
	}
}

func ecrFind(ctx context.Context, api *awsecr.Client, repo, tag string) (string, bool, error) {
	out, err := api.DescribeImages(ctx, &awsecr.DescribeImagesInput{RepositoryName: &repo, ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: &tag}}})
	if err != nil {
		var nf *ecrtypes.ImageNotFoundException
		if errors.As(err, &nf) {
			return "", false, nil
		}
		return "", false, err
	}
	if len(out.ImageDetails) == 0 {
		return "", false, nil
	}
	return *out.ImageDetails[0].ImageDigest, true, nil
}

// deniedECR refuses every call as IAM would without ecr:GetAuthorizationToken.
type deniedECR struct{ ecr.API }

func (deniedECR) GetAuthorizationToken(context.Context, *awsecr.GetAuthorizationTokenInput, ...func(*awsecr.Options)) (*awsecr.GetAuthorizationTokenOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User is not authorized to perform: ecr:GetAuthorizationToken"}
}

func TestECRRefusesCredentials(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	cases := []struct {
		name string
		deps Deps
		want string
	}{
		{"access denied", Deps{ECR: func(context.Context, *cli.Env) (ecr.API, error) { return deniedECR{}, nil }}, "ECR refused the credentials"},
		// moto hands out a token that expired in 2015 for the real ECR host.
		{"expired token", ecrDeps(t, "us-west-1"), "refused the credentials: the ECR authorization token has already expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runAction(t, tc.deps, nil, "--context", dir, "--repository", "web", "--builder", "buildah")
			wantCode(t, r, exitcode.BadInput)
			if !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "MTIzNDU2Nzg5MDEy") {
				t.Fatalf("stderr = %q, want %q and no token", r.stderr, tc.want)
			}
			if r.res.Traffic.Total() != 0 {
				t.Fatalf("registry was contacted after the login failed: %+v", r.res.Traffic)
			}
		})
	}
}

func TestBuildWithoutPushAndTagByDigest(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	dir := fixture(t)
	// push: false builds, reports the digest and writes nothing.
	r0 := runAction(t, Deps{}, nil, "--context", dir, "--repository", "web", "--registry", host, "--builder", "buildah", "--push", "false", "--labels", "team=platform")
	wantCode(t, r0, exitcode.OK)
	if r0.out["result"] != "built-not-pushed" || r0.out["built"] != "true" || !strings.HasPrefix(r0.out["digest"], "sha256:") {
		t.Fatalf("push false: outputs %v", r0.out)
	}
	if tr := r0.res.Traffic; tr.Total() != 0 {
		t.Fatalf("push false talked to the registry: %+v", tr)
	}
	// The same build pushed gives the same digest (reproducible).
	r1 := runAction(t, Deps{}, nil, "--context", dir, "--repository", "web", "--registry", host, "--builder", "buildah", "--tags", "v1", "--labels", "team=platform")
	wantCode(t, r1, exitcode.OK)
	if r1.res.Digest != r0.res.Digest {
		t.Fatalf("pushed digest %s differs from the push:false build %s", r1.res.Digest, r0.res.Digest)
	}
	// promote-from with a bare digest tags the image in its own repository.
	r2 := runAction(t, Deps{}, nil, "--repository", "web", "--registry", host, "--tags", "approved", "--promote-from", r1.res.Digest)
	wantCode(t, r2, exitcode.OK)
	if r2.res.Outcome != "promoted" || r2.res.Traffic.BytesUp != 0 {
		t.Fatalf("promote by digest: %q %+v", r2.res.Outcome, r2.res.Traffic)
	}
	if got, ok, _ := client().Resolve(context.Background(), mustRepo(t, host, "web"), "approved"); !ok || got.String() != r1.res.Digest {
		t.Fatalf("approved -> %v %v", got, ok)
	}
	// A digest the registry does not have is a bad promote-from.
	r3 := runAction(t, Deps{}, nil, "--repository", "web", "--registry", host, "--tags", "x", "--promote-from", "sha256:"+strings.Repeat("0", 64))
	wantCode(t, r3, exitcode.BadInput)
	if !strings.Contains(r3.stderr, `input "promote-from"`) {
		t.Fatalf("stderr %q", r3.stderr)
	}
}

func TestRebuildKeepsContextTag(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	dir := fixture(t)
	r1 := runAction(t, Deps{}, nil, "--context", dir, "--repository", "web", "--registry", host, "--builder", "buildah", "--tags", "sha")
	wantCode(t, r1, exitcode.OK)
	// Another commit, same context, skip disabled: a new image (its
	// revision label differs) under a new tag; the context tag stays.
	r2 := runAction(t, Deps{}, map[string]string{"GITHUB_SHA": strings.Repeat("b", 40)}, "--context", dir, "--repository", "web",
		"--registry", host, "--builder", "buildah", "--tags", "sha", "--skip-if-exists", "false")
	wantCode(t, r2, exitcode.OK)
	if r2.res.Outcome != "built" || r2.res.Digest == r1.res.Digest || r2.res.ContextDigest != r1.res.ContextDigest {
		t.Fatalf("rebuild: %q %s (first %s)", r2.res.Outcome, r2.res.Digest, r1.res.Digest)
	}
	got, ok, err := client().Resolve(context.Background(), mustRepo(t, host, "web"), registry.ContextTag(r1.res.ContextDigest))
	if err != nil || !ok || got.String() != r1.res.Digest {
		t.Fatalf("context tag -> %v %v %v, want the first image %s", got, ok, err, r1.res.Digest)
	}
}

func TestMultiPlatformScanCoversEveryPlatform(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	dir := fixture(t)
	const region = "eu-south-1"
	r := runAction(t, ecrDeps(t, region), nil, "--context", dir, "--repository", "multi", "--registry", host, "--ecr", "true",
		"--create-repository", "true", "--builder", "buildah", "--tags", "v1", "--platforms", "linux/amd64,linux/arm64", "--scan", "ecr")
	wantCode(t, r, exitcode.OK)
	// moto's canned HIGH finding, once per platform image.
	if r.out["scan-findings"] != `{"HIGH":2}` {
		t.Fatalf("scan-findings %q, want one finding per platform", r.out["scan-findings"])
	}
	// ECR holds the list under its tag and each platform image by digest.
	api := ecrClient(t, region)
	out, err := api.DescribeImages(context.Background(), &awsecr.DescribeImagesInput{RepositoryName: aws.String("multi")})
	must(t, err)
	if len(out.ImageDetails) != 3 {
		t.Fatalf("ECR has %d images, want the index and 2 platform images", len(out.ImageDetails))
	}
}

// A pull-request build: no registry, no AWS, nothing pushed.
func TestPullRequestBuildNeedsNoRegistry(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	deps := Deps{ECR: func(context.Context, *cli.Env) (ecr.API, error) {
		t.Error("a push: false build must not create an ECR client")
		return deniedECR{}, nil
	}}
	for _, mode := range []string{"auto", "false"} {
		r := runAction(t, deps, nil, "--context", dir, "--repository", "open-webui", "--builder", "buildah", "--push", "false", "--ecr", mode)
		wantCode(t, r, exitcode.OK)
		if r.out["result"] != "built-not-pushed" || !strings.HasPrefix(r.out["image"], "open-webui@sha256:") || r.res.Traffic.Total() != 0 {
			t.Fatalf("ecr %s: outputs %v traffic %+v", mode, r.out, r.res.Traffic)
		}
	}
	r := runAction(t, deps, nil, "--context", dir, "--repository", "open-webui", "--builder", "buildah", "--push", "false", "--scan", "ecr")
	wantCode(t, r, exitcode.BadInput)
}

// On the sandbox a workflow written for AWS runs unchanged: no registry
// input, the sandbox's registry for layers and its ECR API for the rest.
func TestSandboxDefaultsRegistry(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	dir := fixture(t)
	const region = "ap-east-1"
	env := map[string]string{"AWS_ENDPOINT_URL": sandboxtest.Start(t).Endpoint, SandboxRegistryEnv: host}
	r := runAction(t, ecrDeps(t, region), env, "--context", dir, "--repository", "svc", "--create-repository", "true", "--builder", "buildah", "--tags", "short-sha")
	wantCode(t, r, exitcode.OK)
	if !strings.HasPrefix(r.out["image"], host+"/svc@sha256:") {
		t.Fatalf("image %q, want it in the sandbox registry %s", r.out["image"], host)
	}
	if d, ok, err := ecrFind(context.Background(), ecrClient(t, region), "svc", testSHA[:7]); err != nil || !ok || d != r.res.Digest {
		t.Fatalf("ECR record: %q %v %v", d, ok, err)
	}
	// Outside a sandbox (no loopback endpoint) the variable is ignored.
	cfgEnv := map[string]string{SandboxRegistryEnv: host, "AWS_ENDPOINT_URL": "https://ecr.example.com"}
	r2 := runAction(t, Deps{ECR: func(context.Context, *cli.Env) (ecr.API, error) { return deniedECR{}, nil }}, cfgEnv,
		"--context", dir, "--repository", "svc", "--builder", "buildah")
	wantCode(t, r2, exitcode.BadInput)
	if !strings.Contains(r2.stderr, "ECR refused the credentials") {
		t.Fatalf("stderr %q", r2.stderr)
	}
}
