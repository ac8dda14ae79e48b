package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	validateOnce sync.Once
	validateDir  string
	validateErr  error
)

// validateBinDir builds ecsflow-validate once for the tests that drive its
// services mode through services-plan.sh (ECSFLOW_BIN_DIR, as under act).
func validateBinDir(t *testing.T) string {
	t.Helper()
	validateOnce.Do(func() {
		validateDir, validateErr = os.MkdirTemp("", "ecsflow-validate-bin")
		if validateErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(validateDir, "ecsflow-validate"), "../actions/validate").CombinedOutput()
		if err != nil {
			validateErr = &buildError{out: string(out), err: err}
		}
	})
	require.NoError(t, validateErr)
	return validateDir
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// shopRepo is a repository laid out as ecsflow.yaml says: one image (app/)
// run as api and worker, task definitions under deploy/ecs, and an admin
// image of its own; it returns the repository and the commit before a
// change given by the test.
func shopRepo(t *testing.T, change map[string]string) (dir, base string) {
	t.Helper()
	dir = t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	write := func(files map[string]string) {
		for p, body := range files {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644))
		}
	}
	git("init", "-q")
	write(map[string]string{
		"ecsflow.yaml": `version: 1
images:
  shop: {context: app, repository: shop/app}
  admin: {context: admin}
services:
  api:
    image: shop
    task-definition: deploy/ecs/api.json
    strategy: {default: rolling, prod: blue-green}
  worker: {image: shop, task-definition: deploy/ecs/worker.json}
  admin: {image: admin, container: web, task-definition: deploy/ecs/admin.json}
environments:
  dev: {cluster: shop-dev}
  prod: {cluster: shop-prod}
`,
		"app/Dockerfile": "FROM scratch\n", "admin/Dockerfile": "FROM scratch\n",
		"deploy/ecs/api.json": "{}\n", "deploy/ecs/worker.json": "{}\n", "deploy/ecs/admin.json": "{}\n",
	})
	git("add", ".")
	git("commit", "-q", "-m", "one")
	base = git("rev-parse", "HEAD")
	write(change)
	git("add", ".")
	git("commit", "-q", "--allow-empty", "-m", "two")
	return dir, base
}

func outputs(stdout string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		k, v, _ := strings.Cut(l, "=")
		m[k] = v
	}
	return m
}

func TestServicesPlanWithEcsflowYAML(t *testing.T) {
	t.Parallel()
	bin := validateBinDir(t)
	cases := []struct {
		name     string
		change   map[string]string
		env      string
		base     func(string) string
		services string
		want     map[string]string
	}{
		{name: "the shared context changed: one build, two deploys", change: map[string]string{"app/main.go": "package main\n"}, env: "prod",
			want: map[string]string{
				"config": "ecsflow.yaml", "services": `["api","worker"]`,
				"builds":     `[{"image":"shop","context":"app","dockerfile":"Dockerfile","repository":"shop/app","services":["api","worker"]}]`,
				"deploys":    `[{"service":"api","image":"shop","repository":"shop/app","container":"api","task-definition":"deploy/ecs/api.json","strategy":"blue-green"},{"service":"worker","image":"shop","repository":"shop/app","container":"worker","task-definition":"deploy/ecs/worker.json","strategy":""}]`,
				"cluster":    "shop-prod",
				"strategies": `{"api":"blue-green","worker":""}`,
			}},
		{name: "one task definition changed", change: map[string]string{"deploy/ecs/admin.json": `{"cpu":"256"}`}, env: "dev",
			want: map[string]string{"services": `["admin"]`, "cluster": "shop-dev", "strategies": `{"admin":""}`,
				"builds": `[{"image":"admin","context":"admin","dockerfile":"Dockerfile","repository":"admin","services":["admin"]}]`}},
		{name: "nothing relevant", change: map[string]string{"README.md": "x"}, env: "dev",
			want: map[string]string{"services": `[]`, "builds": `[]`, "deploys": `[]`}},
		{name: "no base: every service", change: map[string]string{"README.md": "x"}, base: func(string) string { return strings.Repeat("0", 40) },
			want: map[string]string{"services": `["api","worker","admin"]`, "cluster": "", "strategies": `{"admin":"","api":"rolling","worker":""}`}},
		{name: "services given", change: map[string]string{"README.md": "x"}, env: "dev", services: `["worker"]`,
			want: map[string]string{"services": `["worker"]`, "strategies": `{"worker":""}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, base := shopRepo(t, tc.change)
			if tc.base != nil {
				base = tc.base(base)
			}
			stdout, stderr, code := script(t, dir, []string{"ECSFLOW_BIN_DIR=" + bin}, "services-plan.sh", "", tc.env, base, tc.services, "services", "task-definitions", "ecsflow")
			require.Equal(t, 0, code, stderr)
			got := outputs(stdout)
			for k, v := range tc.want {
				assert.Equal(t, v, got[k], k)
			}
		})
	}
}

func TestServicesPlanWithoutEcsflowYAMLKeepsTheServicesLayout(t *testing.T) {
	t.Parallel()
	dir, base := servicesRepo(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "services", "mcpo", "x"), []byte("x"), 0o644))
	for _, args := range [][]string{{"add", "."}, {"commit", "-q", "-m", "two"}} {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	// No ECSFLOW_BIN_DIR: this layout needs no binary.
	stdout, stderr, code := script(t, dir, nil, "services-plan.sh", "", "dev", base, "", "services", "task-definitions", "ecsflow/")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "config=\nservices=[\"mcpo\"]\n"+
		`builds=[{"image":"mcpo","context":"services/mcpo","dockerfile":"Dockerfile","repository":"ecsflow/mcpo","services":["mcpo"]}]`+"\n"+
		"deploys=\ncluster=\nstrategies=\n", stdout)
}

func TestServicesPlanBadInput(t *testing.T) {
	t.Parallel()
	bin := validateBinDir(t)
	dir, base := shopRepo(t, map[string]string{"ecsflow.yaml": "version: 1\nservices:\n  api: {image: shop, task-definition: a.json, stratgy: rolling}\n"})
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"config with problems", []string{"", "dev", base, "", "services", "task-definitions", "ecsflow"}, `ecsflow.yaml:3:47: error: ecsflow.yaml: service api: unknown key "stratgy" (did you mean "strategy"?)`},
		{"config named but absent", []string{"conf/ecsflow.yaml", "dev", base, "", "s", "t", "p"}, "config conf/ecsflow.yaml does not exist"},
		{"services not a JSON array", []string{"", "dev", base, "api", "s", "t", "p"}, "services api is not a JSON array of service names"},
		{"too few arguments", []string{"", "dev"}, "usage: services-plan.sh"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := script(t, dir, []string{"ECSFLOW_BIN_DIR=" + bin}, "services-plan.sh", tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tc.want)
		})
	}
}

func TestDeployInputsFromEcsflowYAML(t *testing.T) {
	t.Parallel()
	deploys := `[{"service":"api","image":"shop","repository":"shop/app","container":"api","task-definition":"deploy/ecs/api.json","strategy":""},` +
		`{"service":"worker","image":"shop","repository":"shop/app","container":"worker","task-definition":"deploy/ecs/worker.json","strategy":""}]`
	stdout, stderr, code := script(t, t.TempDir(), nil, "deploy-inputs.sh", `["worker","api"]`, "123.dkr.ecr.eu-west-1.amazonaws.com/ecsflow", "abc", "task-definitions", "api > worker", deploys)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "services<<EOF\nworker\napi\nEOF\n"+
		"images<<EOF\napi=123.dkr.ecr.eu-west-1.amazonaws.com/shop/app:abc\nworker=123.dkr.ecr.eu-west-1.amazonaws.com/shop/app:abc\nEOF\n"+
		"task-definitions<<EOF\napi=deploy/ecs/api.json\nworker=deploy/ecs/worker.json\nEOF\norder=api > worker\n", stdout)

	stdout, stderr, code = script(t, t.TempDir(), nil, "deploy-inputs.sh", `["admin"]`, "reg/x", "abc", "td", "", deploys)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is not the deploys output of services-plan.sh")
	assert.Empty(t, stdout, "nothing reaches GITHUB_OUTPUT on failure")
}
