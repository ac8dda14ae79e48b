package e2e_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
)

// releaseVersion is the version the release checkout of these tests is
// prepared as; testdata/release-pinned.yml pins it.
const releaseVersion = "v1.4.2"

var (
	releaseOnce sync.Once
	releaseRoot string // a copy of this repository with release/ written
	releaseDist string // the assets release.sh built
	releaseErr  error
)

// preparedRelease copies the repository's files (the working tree, so
// what is tested is what is on disk) and runs scripts/release.sh prepare in the
// copy for this platform only, once per test binary: the checkout a tag
// would point at, and the assets release.yml would publish.
func preparedRelease(t testing.TB) (root, dist string) {
	t.Helper()
	releaseOnce.Do(func() {
		releaseRoot, releaseDist, releaseErr = prepareRelease(e2e.RepoRoot(t))
	})
	require.NoError(t, releaseErr)
	return releaseRoot, releaseDist
}

func prepareRelease(repo string) (string, string, error) {
	base, err := os.MkdirTemp("", "ecsflow-e2e-release-")
	if err != nil {
		return "", "", err
	}
	root, dist := filepath.Join(base, "ecsflow"), filepath.Join(base, "dist")
	out, err := exec.Command("git", "-C", repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return "", "", err
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if err := copyFile(filepath.Join(repo, f), filepath.Join(root, f)); err != nil {
			return "", "", err
		}
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts/release.sh"), "prepare", releaseVersion)
	cmd.Env = append(os.Environ(), "ECSFLOW_PLATFORMS="+runtime.GOOS+"/"+runtime.GOARCH, "DIST="+dist)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("release.sh prepare %s failed: %w\n%s", releaseVersion, err, out)
	}
	return root, dist, nil
}

func copyFile(src, dst string) error {
	st, err := os.Lstat(src)
	if err != nil {
		if os.IsNotExist(err) {
			return nil // deleted in the working tree, not yet in the index
		}
		return err
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	body, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, body, st.Mode().Perm())
}

// releaseServer is a local stand-in for the releases download URL: it
// serves dist's files under /<version>/, after tamper has had its way
// with their bytes, and counts the downloads.
func releaseServer(t testing.TB, dist string, tamper func([]byte) []byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/"+releaseVersion+"/")
		if !ok || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		_, _ = w.Write(tamper(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func runPinned(t testing.TB, root, url string, extra ...func(*e2e.Workflow)) *e2e.Result {
	t.Helper()
	wf := e2e.Workflow{
		File: "testdata/release-pinned.yml", Event: "workflow_dispatch", NoSandbox: true,
		NoBinDir: true, NoGo: true,
		Stubs: map[string]string{"ecsflow/ecsflow@" + releaseVersion: root},
		// act's tool cache lives in the run's own directory: a cold runner.
		Env: map[string]string{"ECSFLOW_RELEASE_URL": url, "ECSFLOW_E2E_NO_GO": "true"},
	}
	for _, f := range extra {
		f(&wf)
	}
	return e2e.Run(t, wf)
}

// A step pinned to a release starts from the release asset, downloaded
// once and checked against release/checksums.txt of the pinned checkout:
// no Go on PATH, no ECSFLOW_BIN_DIR, no build. The time from act's start
// to the action's binary running is logged (make bench reports it).
func TestPinnedReleaseStartsFromTheVerifiedAsset(t *testing.T) {
	t.Parallel()
	root, dist := preparedRelease(t)
	srv, hits := releaseServer(t, dist, func(b []byte) []byte { return b })

	r := runPinned(t, root, srv.URL)
	r.RequireSuccess(t)
	assert.EqualValues(t, 1, hits.Load(), "one download: the validate asset")
	assert.Equal(t, "ecsflow validate "+releaseVersion, strings.TrimSpace(r.Output("check", "version")), r.Log)
	assert.Contains(t, r.Output("check", "binary"), filepath.Join("ecsflow", releaseVersion), "installed into the tool cache under the release version")
	assert.Equal(t, "0", r.Output("check", "errors"), r.Log)
	assert.Contains(t, r.Log, "(sha256 ", "setup-binary says it verified the asset")
	assert.NotContains(t, r.Log, "building")

	setup, run := r.Step("validate/0"), r.Step("validate/run")
	require.NotNil(t, setup, r.Log)
	require.NotNil(t, run, r.Log)
	assert.Equal(t, "success", setup.Result)
	t.Logf("release start: act start to the pinned step's binary running %s; setup-binary (download and verify) %s",
		run.Start, setup.Took)
}

// A release asset whose bytes differ from release/checksums.txt is
// refused: the job fails on a checksum mismatch and the binary never runs,
// even with Go at hand nothing would be built in its place.
func TestPinnedReleaseRefusesATamperedAsset(t *testing.T) {
	t.Parallel()
	root, dist := preparedRelease(t)
	srv, hits := releaseServer(t, dist, func(b []byte) []byte {
		return append(bytes.Clone(b), "tampered"...)
	})

	r := runPinned(t, root, srv.URL)
	r.RequireFailure(t)
	assert.EqualValues(t, 1, hits.Load())
	assert.Equal(t, "failure", r.Jobs["pinned"], r.Log)
	var mismatch []string
	for _, a := range r.Errors() {
		if strings.Contains(a.Message, "checksum mismatch for ecsflow-validate-"+runtime.GOOS+"-"+runtime.GOARCH) {
			mismatch = append(mismatch, a.Message)
		}
	}
	assert.Len(t, mismatch, 1, r.Log)
	assert.Nil(t, r.Step("validate/run"), "the binary never ran")
	assert.Empty(t, r.Output("check", "version"), "no later step ran")
}

// BenchmarkPinnedStart reports, for a step pinned to a release, the time
// from act's start until the action's binary runs: from the release asset
// (no Go), and from a source build with Go and an empty build cache (the
// same checkout without its release/ files, as for a SHA between
// releases). scripts/bench/release.sh prints it as a report.
func BenchmarkPinnedStart(b *testing.B) {
	root, dist := preparedRelease(b)
	srv, _ := releaseServer(b, dist, func(body []byte) []byte { return body })
	unreleased := b.TempDir()
	require.NoError(b, os.CopyFS(unreleased, os.DirFS(root)))
	require.NoError(b, os.RemoveAll(filepath.Join(unreleased, "release")))
	cases := []struct {
		name string
		root string
		opt  func(*e2e.Workflow)
	}{
		{name: "release-asset", root: root, opt: func(*e2e.Workflow) {}},
		{name: "source-build", root: unreleased, opt: func(wf *e2e.Workflow) {
			wf.NoGo = false
			wf.Env["ECSFLOW_E2E_NO_GO"] = "false"
			wf.Env["GOCACHE"] = b.TempDir()
			wf.Timeout = 15 * time.Minute
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var start, setup time.Duration
			for b.Loop() {
				r := runPinned(b, tc.root, srv.URL, tc.opt)
				r.RequireSuccess(b)
				run, set := r.Step("validate/run"), r.Step("validate/0")
				require.NotNil(b, run, r.Log)
				require.NotNil(b, set, r.Log)
				start += run.Start
				setup += set.Took
			}
			b.ReportMetric(start.Seconds()/float64(b.N), "s-to-step")
			b.ReportMetric(setup.Seconds()/float64(b.N), "s-setup")
		})
	}
}
