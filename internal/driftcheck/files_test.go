package driftcheck_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/driftcheck"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/inputs"
)

// A workspace laid out as a team's repository: file inputs are relative to
// GITHUB_WORKSPACE, whatever the current directory is.
func teamWorkspace(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "infra", "tf", "main.tf"), "provider \"aws\" {\n  region = var.aws_region\n}\n")
	writeFile(t, filepath.Join(ws, "infra", "tf", "env", "dev.tfvars"), "aws_region = \"eu-central-1\"\nenvironment = \"dev\"\n")
	writeFile(t, filepath.Join(ws, "state", "dev.tfstate"), `{"version":4,"serial":1,"lineage":"x","resources":[]}`)
	td := `{"family": "%s", "containerDefinitions": [{"name": "app", "image": "app:ci"}]}`
	writeFile(t, filepath.Join(ws, "deploy", "api", "taskdef.json"), fmt.Sprintf(td, "api"))
	writeFile(t, filepath.Join(ws, "deploy", "worker", "taskdef.json"), fmt.Sprintf(td, "worker"))
	writeFile(t, filepath.Join(ws, "deploy", "README.md"), "not a task definition\n")
	return ws
}

func parseIn(ws string, in map[string]string) (*driftcheck.Config, error) {
	lookup := func(k string) (string, bool) {
		for name, v := range in {
			if inputs.EnvName(name) == k {
				return v, true
			}
		}
		return "", false
	}
	return driftcheck.ParseConfig(inputs.New(spec, nil, lookup), func(k string) string {
		if k == "GITHUB_WORKSPACE" {
			return ws
		}
		return ""
	})
}

func TestFileInputsAreRelativeToTheWorkspace(t *testing.T) {
	t.Parallel()
	ws := teamWorkspace(t)
	cfg, err := parseIn(ws, map[string]string{"path": "infra/tf", "state": "state/dev.tfstate",
		"var-files": "infra/tf/env/dev.tfvars", "task-definitions": "deploy/**/*.json"})
	require.NoError(t, err)
	require.Equal(t, "eu-central-1", cfg.Region)
	require.Equal(t, "dev", cfg.Environment)
	require.Equal(t, filepath.Join(ws, "state", "dev.tfstate"), cfg.State.Path)
	require.Equal(t, "eu-central-1", cfg.Provider.Region)
	require.Contains(t, cfg.Provider.Source, "infra/tf/main.tf:2")
	var fams []string
	for _, d := range cfg.Desired {
		fams = append(fams, d.Family)
	}
	require.Equal(t, []string{"api", "worker"}, fams, "the glob matched both task definitions and nothing else")
}

func TestFileInputErrorsSayWhereTheyLooked(t *testing.T) {
	t.Parallel()
	ws := teamWorkspace(t)
	cases := []struct {
		name  string
		in    map[string]string
		input string
		want  []string
	}{
		{"var file relative to path", map[string]string{"path": "infra/tf", "var-files": "env/dev.tfvars"}, "var-files",
			[]string{filepath.Join(ws, "env", "dev.tfvars"), "not to path: write infra/tf/env/dev.tfvars"}},
		{"var file nowhere", map[string]string{"path": "infra/tf", "var-files": "env/prod.tfvars"}, "var-files",
			[]string{"does not exist (looked for " + filepath.Join(ws, "env", "prod.tfvars") + ")", "relative paths are taken from the workspace"}},
		{"glob without match", map[string]string{"state": "state/dev.tfstate", "task-definitions": "deploy/*/td-*.json"}, "task-definitions",
			[]string{"matches no file", filepath.Join(ws, "deploy")}},
		{"bad glob", map[string]string{"state": "state/dev.tfstate", "task-definitions": "deploy/[.json"}, "task-definitions", []string{"not a valid glob"}},
		{"path outside the workspace layout", map[string]string{"path": "tf"}, "path", []string{"looked for " + filepath.Join(ws, "tf")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseIn(ws, tc.in)
			require.Error(t, err)
			require.Equal(t, exitcode.BadInput, exitcode.Code(err))
			var ie *inputs.Error
			require.ErrorAs(t, err, &ie)
			require.Equal(t, tc.input, ie.Input)
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}
