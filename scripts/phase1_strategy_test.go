package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

type workflowJob struct {
	Outputs map[string]string `yaml:"outputs"`
	Steps   []struct {
		workflowStep `yaml:",inline"`
		ID           string            `yaml:"id"`
		Uses         string            `yaml:"uses"`
		With         map[string]string `yaml:"with"`
	} `yaml:"steps"`
}

// readJob returns a job of one of the reusable workflows.
func readJob(t *testing.T, file, job string) workflowJob {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../.github/workflows", file))
	require.NoError(t, err)
	var wf struct {
		Jobs map[string]workflowJob `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &wf), file)
	j, ok := wf.Jobs[job]
	require.True(t, ok, "%s has a job %s", file, job)
	return j
}

// runWorkflowStep runs a step's script as the runner does (bash -eo
// pipefail) in dir, the workspace, with .ecsflow the checkout of this
// repository; it returns the step's outputs, its output and exit code.
func runWorkflowStep(t *testing.T, step workflowStep, dir string, env map[string]string) pinRun {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.NoError(t, os.Symlink(root, filepath.Join(dir, ".ecsflow")))
	tmp := t.TempDir()
	out, summary := filepath.Join(tmp, "output"), filepath.Join(tmp, "summary")
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.Run)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "GITHUB_OUTPUT=" + out, "GITHUB_STEP_SUMMARY=" + summary, "GITHUB_WORKSPACE=" + dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.CombinedOutput()
	r := pinRun{stdout: string(stdout)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	raw, err := os.ReadFile(out)
	if err == nil {
		r.outputs = outputs(string(raw))
	}
	return r
}

// Phase 1 deploys with the strategy ecsflow.yaml names for the environment
// (a service that names none rolls, as phase 1 always did), and refuses a
// run whose services need different strategies: deploy-ecs takes one.
func TestPhase1DeploysTheStrategyOfEcsflowYAML(t *testing.T) {
	t.Parallel()
	bin := validateBinDir(t)
	resolve := readJob(t, "phase1-deploy.yml", "resolve")
	var step workflowStep
	for _, s := range resolve.Steps {
		if s.Name == "Services to deploy" {
			step = s.workflowStep
		}
	}
	require.NotEmpty(t, step.Run, "phase1-deploy.yml's resolve job has the step Services to deploy")
	assert.Equal(t, "${{ steps.changed.outputs.strategy }}", resolve.Outputs["strategy"], "the resolve job hands the strategy on")
	var deployStrategy string
	for _, s := range readJob(t, "phase1-deploy.yml", "deploy").Steps {
		if s.Uses == "./.ecsflow/actions/deploy-ecs" {
			deployStrategy = s.With["strategy"]
		}
	}
	assert.Equal(t, "${{ needs.resolve.outputs.strategy }}", deployStrategy, "deploy-ecs deploys the resolved strategy")

	cases := []struct {
		name     string
		layout   string // shop: ecsflow.yaml; services: the services/<svc> layout
		env      string
		services string
		strategy string
		code     int
		says     []string
	}{
		{name: "file names blue-green for prod", layout: "shop", env: "prod", services: `["api"]`, strategy: "blue-green"},
		{name: "file's default strategy", layout: "shop", env: "dev", services: `["api"]`, strategy: "rolling"},
		{name: "no strategy in the file rolls", layout: "shop", env: "prod", services: `["worker"]`, strategy: "rolling"},
		{name: "two strategies in one run are refused", layout: "shop", env: "prod", services: `["api","worker"]`, code: 2,
			says: []string{"::error", "ecsflow.yaml", "api=blue-green", "worker=rolling", "prod", "phase2-deploy.yml"}},
		{name: "without ecsflow.yaml phase 1 rolls", layout: "services", env: "dev", services: `["mcpo"]`, strategy: "rolling"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var dir, base string
			if tc.layout == "shop" {
				dir, base = shopRepo(t, map[string]string{"app/main.go": "package main\n"})
			} else {
				dir, base = servicesRepo(t)
			}
			r := runWorkflowStep(t, step, dir, map[string]string{
				"ECSFLOW_BIN_DIR": bin, "CONFIG": "", "ENVIRONMENT": tc.env, "SERVICES": tc.services, "BASE": base,
				"SERVICES_DIR": "services", "TASKDEFS_DIR": "task-definitions", "PREFIX": "ecsflow",
			})
			require.Equal(t, tc.code, r.code, r.stdout)
			if tc.code == 0 {
				assert.Equal(t, tc.strategy, r.outputs["strategy"], r.stdout)
				assert.Equal(t, tc.services, r.outputs["services"])
			} else {
				assert.Empty(t, r.outputs["services"], "a refused run deploys nothing")
			}
			for _, s := range tc.says {
				assert.Contains(t, r.stdout, s)
			}
		})
	}
}
