package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/exitcode"
)

// workspaceElsewhere builds a workspace that is not the working directory,
// holding one file or directory for each file input.
func workspaceElsewhere(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	tf, err := os.ReadFile("testdata/ok/main.tf")
	require.NoError(t, err)
	rego, err := os.ReadFile("testdata/policies/org/retention.rego")
	require.NoError(t, err)
	files := map[string]string{
		"infra/app/main.tf":      string(tf),
		"vars/dev.tfvars":        "",
		"plans/plan.json":        `{"format_version": "1.2"}`,
		"ecsflow.yml":            "rules:\n  EF001: on\n",
		"org-policies/ret.rego":  string(rego),
		"org-policies/data.yaml": "ecsflow_settings: {}\n",
		"taskdefs/api.json":      `{"family": "api", "containerDefinitions": []}`,
	}
	for p, c := range files {
		require.NoError(t, os.MkdirAll(filepath.Join(ws, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(ws, p), []byte(c), 0o644))
	}
	return ws
}

// Every file input is read relative to the workspace (GITHUB_WORKSPACE),
// not to the working directory; a file that is missing is reported with
// the place it was looked for.
func TestFileInputsAreTakenFromTheWorkspace(t *testing.T) {
	t.Parallel()
	all := map[string]string{
		"INPUT_PATH":             "infra/*",
		"INPUT_VAR-FILES":        "vars/dev.tfvars",
		"INPUT_PLAN-JSON":        "plans/plan.json",
		"INPUT_CONFIG":           "ecsflow.yml",
		"INPUT_POLICIES":         "org-policies",
		"INPUT_POLICY-DATA":      "org-policies/data.yaml",
		"INPUT_TASK-DEFINITIONS": "taskdefs/*.json",
		"INPUT_FAIL-ON":          "never",
	}
	cases := []struct {
		name    string
		input   string
		value   string
		missing string // the path reported as looked for; "" when found
	}{
		{name: "every input found in the workspace"},
		{"missing path", "path", "infra/none", "infra/none"},
		{"path glob without match", "path", "none/*", "none"},
		{"missing var file", "var-files", "vars/prod.tfvars", "vars/prod.tfvars"},
		{"missing plan", "plan-json", "plans/none.json", "plans/none.json"},
		{"missing config", "config", "none.yml", "none.yml"},
		{"missing policies", "policies", "none", "none"},
		{"missing policy data", "policy-data", "org-policies/none.yaml", "org-policies/none.yaml"},
		{"missing task definition", "task-definitions", "taskdefs/none.json", "taskdefs/none.json"},
		{"task-definition glob without match", "task-definitions", "taskdefs/*.none", "taskdefs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := workspaceElsewhere(t)
			env := map[string]string{}
			for k, v := range all {
				env[k] = v
			}
			if tc.input != "" {
				env["INPUT_"+strings.ToUpper(tc.input)] = tc.value
			}
			r := invoke(t, Deps{Workspace: ws}, env)
			if tc.missing == "" {
				require.Equal(t, 0, r.code, r.stdout)
				require.FileExists(t, filepath.Join(r.dir, "validate.sarif"))
				return
			}
			require.Equal(t, exitcode.BadInput, r.code, r.stdout)
			errs := errorLines(r.stdout)
			require.Len(t, errs, 1, r.stdout)
			require.Contains(t, errs[0], `input "`+tc.input+`"`)
			require.Contains(t, errs[0], "looked ")
			require.Contains(t, errs[0], filepath.Join(ws, tc.missing))
			require.Contains(t, errs[0], "relative paths are taken from the workspace")
		})
	}
}

// Findings name files relative to the workspace, also when the workspace
// is not the working directory, so annotations land on the pull request's
// files and the config's ignore paths (written from the repository root)
// match.
func TestFindingsAreRelativeToTheWorkspace(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		config string
		want   []string
		absent []string
	}{
		{name: "annotations name workspace paths", want: []string{
			"file=infra/app/main.tf,line=1,title=EF402 ", "file=ecsflow.yaml,line=2,title=EF822 ",
		}},
		{name: "ignore paths match workspace paths",
			config: "ignore:\n  - rule: EF402\n    paths: [\"infra/**\"]\n    reason: legacy\n  - rule: EF822\n    paths: [ecsflow.yaml]\n    reason: next release\n",
			absent: []string{"title=EF402 ", "title=EF822 "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			files := map[string]string{
				"infra/app/main.tf": "resource \"aws_ecr_repository\" \"app\" {\n  name = \"app\"\n}\n",
				"ecsflow.yaml":      "version: 1\nimagess: {}\nservices: {}\n",
			}
			if tc.config != "" {
				files["ecsflow.yml"] = tc.config
			}
			for p, c := range files {
				require.NoError(t, os.MkdirAll(filepath.Join(ws, filepath.Dir(p)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(ws, p), []byte(c), 0o644))
			}
			env := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_PATH": "infra/*", "INPUT_FAIL-ON": "never"}
			if tc.config != "" {
				env["INPUT_CONFIG"] = "ecsflow.yml"
			}
			r := invoke(t, Deps{Workspace: ws}, env)
			require.Equal(t, exitcode.OK, r.code, r.stderr+r.stdout)
			for _, w := range tc.want {
				require.Contains(t, r.stdout, w)
			}
			for _, a := range tc.absent {
				require.NotContains(t, r.stdout, a)
			}
			require.NotContains(t, r.stdout, "file="+ws, "no absolute workspace path in an annotation")
		})
	}
}
