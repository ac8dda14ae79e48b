// Package scripts_test runs scripts/setup-binary.sh the way an action's
// setup step does, in a throwaway copy of a repository, against a local
// stand-in for GitHub's release downloads.
package scripts_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRepo lays out a minimal module with the real setup script and one
// action whose binary prints the version it was built with.
func fakeRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	script, err := os.ReadFile("setup-binary.sh")
	require.NoError(t, err)
	files := map[string]string{
		"scripts/setup-binary.sh": string(script),
		"go.mod":                  "module github.com/ecsflow/ecsflow\n\ngo 1.22\n",
		"go.sum":                  "",
		"internal/cli/cli.go":     "package cli\n\nvar version = \"unset\"\n\n// Version is the build version.\nfunc Version() string { return version }\n",
		"actions/validate/main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/ecsflow/ecsflow/internal/cli\"\n)\n\n" +
			"func main() { fmt.Println(\"validate\", cli.Version()) }\n",
		"actions/validate/action.yml": "name: ecsflow validate\n",
	}
	for p, body := range files {
		full := filepath.Join(root, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o755))
	}
	return root
}

type run struct {
	stdout, stderr string
	code           int
	path           []string // lines appended to GITHUB_PATH
}

func setup(t *testing.T, root string, env map[string]string, args ...string) run {
	t.Helper()
	ghPath := filepath.Join(t.TempDir(), "github_path")
	require.NoError(t, os.WriteFile(ghPath, nil, 0o644))
	cmd := exec.Command("bash", append([]string{filepath.Join(root, "scripts/setup-binary.sh")}, args...)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"GOCACHE=" + goEnv(t, "GOCACHE"),
		"GOPATH=" + goEnv(t, "GOPATH"),
		"GOFLAGS=-mod=mod",
		"GOTOOLCHAIN=local",
		"GITHUB_PATH=" + ghPath,
		"RUNNER_TEMP=" + t.TempDir(),
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	data, rerr := os.ReadFile(ghPath)
	require.NoError(t, rerr)
	return run{stdout: out.String(), stderr: errb.String(), code: code, path: strings.Fields(string(data))}
}

func goEnv(t *testing.T, key string) string {
	t.Helper()
	out, err := exec.Command("go", "env", key).Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

func platform() string {
	return runtime.GOOS + "-" + runtime.GOARCH
}

func digest(t *testing.T, root string) string {
	t.Helper()
	r := setup(t, root, nil, "--source-digest")
	require.Equal(t, 0, r.code, r.stderr)
	return strings.TrimSpace(r.stdout)
}

// release writes the release/ files for version with the given asset bytes.
func release(t *testing.T, root, version string, asset []byte) {
	t.Helper()
	sum := sha256.Sum256(asset)
	d := digest(t, root)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "release"), 0o755))
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(root, "release", name), []byte(body), 0o644))
	}
	write("version", version+"\n")
	write("source.sha256", d+"\n")
	write("checksums.txt", hex.EncodeToString(sum[:])+"  ecsflow-validate-"+platform()+"\n"+
		strings.Repeat("0", 64)+"  ecsflow-validate-plan9-mips\n")
}

func assetServer(t *testing.T, version string, body []byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+version+"/ecsflow-validate-"+platform() {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestSetupBinaryBinDir(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		file     string
		wantCode int
		wantErr  string
	}{
		{name: "action name", file: "ecsflow-validate"},
		{name: "make build name", file: "validate"},
		{name: "missing", file: "", wantCode: 2, wantErr: "holds neither ecsflow-validate nor validate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := fakeRepo(t)
			bin := t.TempDir()
			if tc.file != "" {
				require.NoError(t, os.WriteFile(filepath.Join(bin, tc.file), []byte("#!/bin/sh\necho fake \"$0\"\n"), 0o755))
			}
			r := setup(t, root, map[string]string{"ECSFLOW_BIN_DIR": bin}, "validate")
			require.Equal(t, tc.wantCode, r.code, r.stderr)
			if tc.wantErr != "" {
				require.Contains(t, r.stderr, tc.wantErr)
				require.Empty(t, r.path, "nothing may be added to the PATH on failure")
				return
			}
			require.Len(t, r.path, 1)
			out, err := exec.Command(filepath.Join(r.path[0], "ecsflow-validate")).Output()
			require.NoError(t, err)
			require.Contains(t, string(out), "fake")
		})
	}
}

func TestSetupBinaryReleaseAssetVerifiedAndCached(t *testing.T) {
	t.Parallel()
	root := fakeRepo(t)
	asset := []byte("#!/bin/sh\necho released v1.4.2\n")
	release(t, root, "v1.4.2", asset)
	srv, hits := assetServer(t, "v1.4.2", asset)
	cache := t.TempDir()
	env := map[string]string{"ECSFLOW_RELEASE_URL": srv.URL, "RUNNER_TOOL_CACHE": cache}

	r := setup(t, root, env, "validate")
	require.Equal(t, 0, r.code, r.stderr)
	wantDir := filepath.Join(cache, "ecsflow", "v1.4.2", platform())
	require.Equal(t, []string{wantDir}, r.path)
	require.Contains(t, r.stderr, "verified")
	got, err := os.ReadFile(filepath.Join(wantDir, "ecsflow-validate"))
	require.NoError(t, err)
	require.Equal(t, asset, got)
	require.EqualValues(t, 1, hits.Load())

	// Second job on the same runner: served from the tool cache, no download.
	r = setup(t, root, env, "validate")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "using cached")
	require.EqualValues(t, 1, hits.Load())
}

func TestSetupBinaryRefusesTamperedAsset(t *testing.T) {
	t.Parallel()
	root := fakeRepo(t)
	release(t, root, "v1.4.2", []byte("the real binary"))
	srv, _ := assetServer(t, "v1.4.2", []byte("something else"))
	cache := t.TempDir()

	r := setup(t, root, map[string]string{"ECSFLOW_RELEASE_URL": srv.URL, "RUNNER_TOOL_CACHE": cache, "GITHUB_ACTIONS": "true"}, "validate")
	require.Equal(t, 3, r.code)
	require.Contains(t, r.stdout, "::error title=ecsflow setup::checksum mismatch")
	require.Empty(t, r.path)
	require.NoFileExists(t, filepath.Join(cache, "ecsflow", "v1.4.2", platform(), "ecsflow-validate"))
}

func TestSetupBinaryTamperedCacheIsReplaced(t *testing.T) {
	t.Parallel()
	root := fakeRepo(t)
	asset := []byte("#!/bin/sh\necho good\n")
	release(t, root, "v1.4.2", asset)
	srv, hits := assetServer(t, "v1.4.2", asset)
	cache := t.TempDir()
	dir := filepath.Join(cache, "ecsflow", "v1.4.2", platform())
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ecsflow-validate"), []byte("#!/bin/sh\necho evil\n"), 0o755))

	r := setup(t, root, map[string]string{"ECSFLOW_RELEASE_URL": srv.URL, "RUNNER_TOOL_CACHE": cache}, "validate")
	require.Equal(t, 0, r.code, r.stderr)
	require.EqualValues(t, 1, hits.Load())
	got, err := os.ReadFile(filepath.Join(dir, "ecsflow-validate"))
	require.NoError(t, err)
	require.Equal(t, asset, got)
}

// A SHA pinned between releases still carries the last release's files, but
// its source differs: it must build from source, never run the old binary.
func TestSetupBinaryBuildsFromSourceWhenSourceDiffersFromRelease(t *testing.T) {
	t.Parallel()
	root := fakeRepo(t)
	release(t, root, "v1.4.2", []byte("old release"))
	srv, hits := assetServer(t, "v1.4.2", []byte("old release"))
	// A commit after the release.
	main := filepath.Join(root, "actions/validate/main.go")
	body, err := os.ReadFile(main)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(main, append(body, []byte("\n// changed after v1.4.2\n")...), 0o644))
	d := digest(t, root)
	cache := t.TempDir()

	r := setup(t, root, map[string]string{"ECSFLOW_RELEASE_URL": srv.URL, "RUNNER_TOOL_CACHE": cache}, "validate")
	require.Equal(t, 0, r.code, r.stderr)
	require.EqualValues(t, 0, hits.Load(), "no release asset may be fetched for unreleased source")
	version := "src-" + d[:16]
	require.Equal(t, []string{filepath.Join(cache, "ecsflow", version, platform())}, r.path)
	out, err := exec.Command(filepath.Join(r.path[0], "ecsflow-validate")).Output()
	require.NoError(t, err)
	require.Equal(t, "validate "+version+"\n", string(out))
}

func TestSetupBinaryFallsBackToSourceWhenDownloadFails(t *testing.T) {
	t.Parallel()
	root := fakeRepo(t)
	release(t, root, "v1.4.2", []byte("unreachable"))
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)

	r := setup(t, root, map[string]string{"ECSFLOW_RELEASE_URL": srv.URL, "RUNNER_TOOL_CACHE": t.TempDir()}, "validate")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "building from source")
	out, err := exec.Command(filepath.Join(r.path[0], "ecsflow-validate")).Output()
	require.NoError(t, err)
	require.Equal(t, "validate v1.4.2\n", string(out))
}

func TestSetupBinaryBadArguments(t *testing.T) {
	t.Parallel()
	root := fakeRepo(t)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{name: "unknown action", args: []string{"deploy"}, want: `unknown action "deploy"; allowed: validate build-push deploy-ecs drift-check rollback`},
		{name: "no action", args: nil, want: "usage: setup-binary.sh <action>"},
		{name: "unsupported arch", args: []string{"validate"}, env: map[string]string{"ECSFLOW_ARCH": "riscv64"}, want: "unsupported architecture riscv64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, root, tc.env, tc.args...)
			require.NotEqual(t, 0, r.code)
			require.Contains(t, r.stderr, tc.want)
			require.Empty(t, r.path)
		})
	}
}

func TestScriptsAreShellcheckClean(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatal("shellcheck is not installed; .ci/run installs it (apt-get install shellcheck)")
	}
	files, err := filepath.Glob("*.sh")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out, err := exec.Command("shellcheck", files...).CombinedOutput()
	require.NoError(t, err, string(out))
}

// release.sh prepare writes the release files; verify rebuilds the same
// bytes (reproducible), and refuses a stale list or a source changed after
// prepare. setup-binary.sh then treats the checkout as that release.
func TestReleasePrepareVerify(t *testing.T) {
	t.Parallel()
	root := fakeRepo(t)
	rel, err := os.ReadFile("release.sh")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, "scripts/release.sh"), rel, 0o755))
	env := []string{"ECSFLOW_PLATFORMS=linux/amd64 darwin/arm64", "DIST=" + filepath.Join(root, "dist"),
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GOCACHE=" + goEnv(t, "GOCACHE"),
		"GOPATH=" + goEnv(t, "GOPATH"), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}
	rel1 := func(args ...string) (string, int) {
		cmd := exec.Command("bash", append([]string{filepath.Join(root, "scripts/release.sh")}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return string(out), code
	}

	out, code := rel1("prepare", "v1.4.2")
	require.Equal(t, 0, code, out)
	sums, err := os.ReadFile(filepath.Join(root, "release/checksums.txt"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	require.Len(t, lines, 2, "one action, two platforms")
	assert.Contains(t, string(sums), "  ecsflow-validate-darwin-arm64\n")
	assert.Contains(t, string(sums), "  ecsflow-validate-linux-amd64\n")
	version, _ := os.ReadFile(filepath.Join(root, "release/version"))
	assert.Equal(t, "v1.4.2\n", string(version))

	out, code = rel1("verify", "v1.4.2")
	require.Equal(t, 0, code, "a rebuild gives the same bytes:\n%s", out)
	assert.Contains(t, out, "verified 2 binaries of v1.4.2")

	out, code = rel1("verify", "v1.4.3")
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "release/version says v1.4.2, the tag is v1.4.3")

	out, code = rel1("verify", "v1.4")
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "is not vMAJOR.MINOR.PATCH")

	// The checkout is the release as long as its source is unchanged.
	r := setup(t, root, map[string]string{"RUNNER_TOOL_CACHE": t.TempDir(), "ECSFLOW_RELEASE_URL": "http://127.0.0.1:1"}, "validate")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "could not download ecsflow-validate-"+platform()+" v1.4.2")

	// A change after prepare: verify refuses.
	main := filepath.Join(root, "actions/validate/main.go")
	body, err := os.ReadFile(main)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(main, append(body, []byte("\n// later\n")...), 0o644))
	out, code = rel1("verify", "v1.4.2")
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "release/source.sha256 does not match the tagged source")
}

// For a ref that is no release, the binary in the tool cache was built
// here from source; its SHA-256 is recorded at build time outside the
// binary's directory. A binary planted in the cache (changed, or put there
// without a record) is never run: it is rebuilt.
func TestSetupBinaryRebuildsTamperedSourceBuildInCache(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		plant func(t *testing.T, bin, record string)
	}{
		{"binary replaced", func(t *testing.T, bin, _ string) {
			require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\necho planted\n"), 0o755))
		}},
		{"binary replaced, record removed", func(t *testing.T, bin, record string) {
			require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\necho planted\n"), 0o755))
			require.NoError(t, os.Remove(record))
		}},
		{"binary group-writable", func(t *testing.T, bin, _ string) {
			require.NoError(t, os.Chmod(bin, 0o775))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := fakeRepo(t)
			version := "src-" + digest(t, root)[:16]
			cache := t.TempDir()
			env := map[string]string{"RUNNER_TOOL_CACHE": cache}
			dir := filepath.Join(cache, "ecsflow", version, platform())
			bin := filepath.Join(dir, "ecsflow-validate")

			r := setup(t, root, env, "validate")
			require.Equal(t, 0, r.code, r.stderr)
			require.Equal(t, []string{dir}, r.path)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Len(t, entries, 1, "the binary's directory holds only the binary")
			record := filepath.Join(cache, "ecsflow", ".sha256", version, platform(), "ecsflow-validate.sha256")
			want, err := os.ReadFile(record)
			require.NoError(t, err, "the build records the binary's SHA-256")
			built, err := os.ReadFile(bin)
			require.NoError(t, err)
			sum := sha256.Sum256(built)
			require.Equal(t, hex.EncodeToString(sum[:]), strings.TrimSpace(string(want)))

			// An untouched cache is used as is.
			r = setup(t, root, env, "validate")
			require.Equal(t, 0, r.code, r.stderr)
			require.Contains(t, r.stderr, "using cached")

			tc.plant(t, bin, record)
			r = setup(t, root, env, "validate")
			require.Equal(t, 0, r.code, r.stderr)
			require.NotContains(t, r.stderr, "using cached")
			require.Contains(t, r.stderr, "rebuilding")
			out, err := exec.Command(bin).Output()
			require.NoError(t, err)
			require.Equal(t, "validate "+version+"\n", string(out), "the planted binary was replaced by a fresh build")
		})
	}
}

// pathWithoutGo is PATH minus every directory that holds a go executable:
// a runner without actions/setup-go.
func pathWithoutGo(t *testing.T) string {
	t.Helper()
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			continue
		}
		keep = append(keep, dir)
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// With no binary to download and no Go, the error tells a caller what to
// add to its workflow: actions/setup-go pinned by SHA with the exact Go
// version of this checkout. It never suggests pinning @v1, which is what a
// @v1 user already did.
func TestSetupBinaryWithoutGoNamesSetupGo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		release bool
		want    string
	}{
		{name: "release asset not downloadable", release: true, want: "could not download ecsflow-validate-" + platform() + " v1.4.2"},
		{name: "ref between releases", release: false, want: "is not a release"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := fakeRepo(t)
			if tc.release {
				release(t, root, "v1.4.2", []byte("unreachable"))
			}
			srv := httptest.NewServer(http.NotFoundHandler())
			t.Cleanup(srv.Close)
			r := setup(t, root, map[string]string{
				"ECSFLOW_RELEASE_URL": srv.URL, "RUNNER_TOOL_CACHE": t.TempDir(),
				"GITHUB_ACTIONS": "true", "PATH": pathWithoutGo(t),
			}, "validate")
			require.Equal(t, 3, r.code, r.stderr)
			require.Empty(t, r.path)
			msg := r.stdout + r.stderr
			require.Contains(t, msg, "::error title=ecsflow setup::")
			require.Contains(t, msg, tc.want)
			require.Contains(t, msg, "Go is not installed")
			require.Regexp(t, `actions/setup-go@[0-9a-f]{40} # v\d+\.\d+\.\d+`, msg)
			require.Contains(t, msg, "go-version: 1.22", "the Go version of the checkout's go.mod")
			require.NotContains(t, msg, "@v1 ")
			require.NotContains(t, msg, "such as @v1")
		})
	}
}

// Every file the Go toolchain compiles or embeds into an action binary is
// covered by the source digest, so a ref whose source differs from the
// release's in any of them never runs the release asset.
func TestSourceDigestCoversEveryFileOfTheBinaries(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("bash", "setup-binary.sh", "--source-files")
	out, err := cmd.Output()
	require.NoError(t, err)
	covered := map[string]bool{}
	for _, f := range strings.Fields(string(out)) {
		covered[f] = true
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	list := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`,
		"./actions/...")
	list.Dir = root
	deps, err := list.Output()
	require.NoError(t, err)
	files := strings.Fields(string(deps))
	require.Greater(t, len(files), 100, "go list found the actions' files")
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		require.NoError(t, err)
		assert.True(t, covered[filepath.ToSlash(rel)], "%s goes into an action binary but setup-binary.sh's source digest does not cover it", rel)
	}
}
