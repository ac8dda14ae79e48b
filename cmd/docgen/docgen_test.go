package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/ecsflow/ecsflow/internal/actionspec"
)

var actionspecParse = actionspec.Parse

const repoRoot = "../.."

// The repository's generated files match what make docs would write.
func TestRepoGeneratedFilesUpToDate(t *testing.T) {
	t.Parallel()
	files, err := Generate(os.DirFS(repoRoot))
	require.NoError(t, err)
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(repoRoot, f.Path))
		require.NoError(t, err, "%s is missing; run make docs", f.Path)
		require.Equal(t, string(f.Data), string(got), "%s is out of date; run make docs", f.Path)
	}
}

// Every action.yml in the repository follows the composite convention, every
// action has a README with the generated-table markers, and no run: script
// of an action or workflow contains ${{ }}.
func TestRepoFollowsActionConvention(t *testing.T) {
	t.Parallel()
	probs, err := Lint(os.DirFS(repoRoot))
	require.NoError(t, err)
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.String())
	}
	require.Empty(t, msgs)
}

func fixture(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/repo/actions/demo/action.yml")
	require.NoError(t, err)
	return string(raw)
}

func TestLintAction(t *testing.T) {
	t.Parallel()
	good := fixture(t)
	cases := []struct {
		name string
		edit func(string) string
		want []string // substrings, one per expected problem; nil means clean
	}{
		{name: "follows the convention", edit: func(s string) string { return s }},
		{
			name: "input not mapped",
			edit: func(s string) string {
				return strings.Replace(s, "        INPUT_FAIL-ON: ${{ inputs.fail-on }}\n", "", 1)
			},
			want: []string{`input "fail-on" is not passed to the binary: add INPUT_FAIL-ON: ${{ inputs.fail-on }}`},
		},
		{
			name: "input mapped with underscores",
			edit: func(s string) string {
				return strings.Replace(s, "INPUT_FAIL-ON: ${{ inputs.fail-on }}", "INPUT_FAIL_ON: ${{ inputs.fail-on }}", 1)
			},
			want: []string{`input "fail-on" is not passed`, "INPUT_FAIL_ON in the env of step run matches no declared input"},
		},
		{
			name: "input mapped to another input",
			edit: func(s string) string {
				return strings.Replace(s, "INPUT_PATH: ${{ inputs.path }}", "INPUT_PATH: ${{ inputs.fail-on }}", 1)
			},
			want: []string{`INPUT_PATH is "${{ inputs.fail-on }}"; want "${{ inputs.path }}"`},
		},
		{
			name: "expression in run script",
			edit: func(s string) string {
				return strings.Replace(s, "run: ecsflow-demo", `run: ecsflow-demo --path "${{ inputs.path }}"`, 1)
			},
			want: []string{"run: script contains ${{ }}"},
		},
		{
			name: "output not from step run",
			edit: func(s string) string {
				return strings.Replace(s, "${{ steps.run.outputs.result }}", "${{ steps.main.outputs.result }}", 1)
			},
			want: []string{`output "result" has value "${{ steps.main.outputs.result }}"`},
		},
		{
			name: "no setup step",
			edit: func(s string) string {
				return strings.Replace(s, `'"$GITHUB_ACTION_PATH/../../scripts/setup-binary.sh" demo'`, "echo hi", 1)
			},
			want: []string{"no setup step runs"},
		},
		{
			name: "setup for another action",
			edit: func(s string) string {
				return strings.Replace(s, `setup-binary.sh" demo`, `setup-binary.sh" validate`, 1)
			},
			want: []string{"setup step must run setup-binary.sh demo"},
		},
		{
			name: "wrong name",
			edit: func(s string) string { return strings.Replace(s, "name: ecsflow demo", "name: Demo", 1) },
			want: []string{`name is "Demo"; want "ecsflow demo"`},
		},
		{
			name: "not composite",
			edit: func(s string) string { return strings.Replace(s, "using: composite", "using: node24", 1) },
			want: []string{`runs.using is "node24"; want composite`},
		},
		{
			name: "input without description",
			edit: func(s string) string {
				return strings.Replace(s, "    description: Directory to read.\n", "", 1)
			},
			want: []string{`input "path" has no description`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			probs := LintAction("actions/demo/action.yml", "demo", []byte(tc.edit(good)))
			require.Len(t, probs, len(tc.want), "%v", probs)
			for i, w := range tc.want {
				require.Contains(t, probs[i].String(), w)
			}
		})
	}
}

func TestLintUnpinnedActions(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		".github/workflows/ci.yml": {Data: []byte(`on: push
jobs:
  call:
    uses: other/repo/.github/workflows/x.yml@main
  own:
    uses: ecsflow/ecsflow/.github/workflows/phase1-pr.yml@v1
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - uses: actions/setup-go@v6
      - uses: ./actions/validate
      - uses: docker://alpine:3
`)},
	}
	probs, err := Lint(fsys)
	require.NoError(t, err)
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.String())
	}
	require.Len(t, msgs, 3, "%v", msgs)
	assert.Contains(t, msgs[0], "actions/setup-go@v6: pin third-party actions by full 40-character commit SHA")
	assert.Contains(t, msgs[1], "docker://alpine:3: pin the image by digest")
	assert.Contains(t, msgs[2], "job call: uses other/repo/.github/workflows/x.yml@main")
}

func TestLintWorkflowRunScripts(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		".github/workflows/ci.yml": {Data: []byte(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo "$TITLE"
        env:
          TITLE: ${{ github.event.pull_request.title }}
  b:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - run: |
          echo start
          echo "${{ github.head_ref }}"
`)},
	}
	probs, err := Lint(fsys)
	require.NoError(t, err)
	require.Len(t, probs, 1)
	require.Equal(t, ".github/workflows/ci.yml", probs[0].File)
	require.Equal(t, 13, probs[0].Line)
}

// docgen -check reports a stale README without writing; docgen fixes it and
// keeps the hand-written text around the markers.
func TestRunCheckThenWrite(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, f := range []string{"action.yml", "README.md"} {
		data, err := os.ReadFile(filepath.Join("testdata/repo/actions/demo", f))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(root, "actions/demo"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, "actions/demo", f), data, 0o644))
	}
	readme := filepath.Join(root, "actions/demo/README.md")
	before, err := os.ReadFile(readme)
	require.NoError(t, err)

	var out, errb bytes.Buffer
	code := run([]string{"-check", "-root", root}, &out, &errb)
	require.Equal(t, 1, code, errb.String())
	require.Contains(t, out.String(), "actions/demo/README.md: out of date; run make docs")
	require.Contains(t, out.String(), "action.yml: out of date; run make docs")
	after, err := os.ReadFile(readme)
	require.NoError(t, err)
	require.Equal(t, before, after, "-check must not write")

	out.Reset()
	require.Equal(t, 0, run([]string{"-root", root}, &out, &errb), out.String()+errb.String())
	got, err := os.ReadFile(readme)
	require.NoError(t, err)
	want, err := os.ReadFile("testdata/demo.README.golden.md")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))

	out.Reset()
	require.Equal(t, 0, run([]string{"-check", "-root", root}, &out, &errb), out.String())
}

// rootRun extracts the generated run: script of the root action.yml.
func rootRun(t *testing.T) (setup, script string, env map[string]string) {
	t.Helper()
	a := []action{loadFixture(t)}
	data, err := RootAction(a)
	require.NoError(t, err)
	var doc struct {
		Inputs map[string]struct {
			Default  *string `yaml:"default"`
			Required bool    `yaml:"required"`
		} `yaml:"inputs"`
		Runs struct {
			Steps []struct {
				ID  string            `yaml:"id"`
				Run string            `yaml:"run"`
				Env map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &doc))
	require.True(t, doc.Inputs["command"].Required)
	for name, in := range doc.Inputs {
		if name != "command" {
			require.NotNil(t, in.Default, name)
			require.Empty(t, *in.Default, "%s: the binary owns defaults", name)
		}
	}
	require.Len(t, doc.Runs.Steps, 2)
	require.Equal(t, "run", doc.Runs.Steps[1].ID)
	return doc.Runs.Steps[0].Run, doc.Runs.Steps[1].Run, doc.Runs.Steps[1].Env
}

func loadFixture(t *testing.T) action {
	t.Helper()
	acts, err := loadActions(os.DirFS("testdata/repo"))
	require.NoError(t, err)
	require.Len(t, acts, 1)
	return acts[0]
}

func TestRootActionMapsEveryInput(t *testing.T) {
	t.Parallel()
	setup, _, env := rootRun(t)
	require.Contains(t, setup, `setup-binary.sh" "$ECSFLOW_COMMAND"`)
	require.Equal(t, map[string]string{
		"ECSFLOW_COMMAND":      "${{ inputs.command }}",
		"INPUT_PATH":           "${{ inputs.path }}",
		"INPUT_FAIL-ON":        "${{ inputs.fail-on }}",
		"INPUT_ROLE-TO-ASSUME": "${{ inputs.role-to-assume }}",
	}, env)
}

// The root action's script runs the chosen binary with the inputs in the
// environment, and refuses inputs the command does not take.
func TestRootActionScript(t *testing.T) {
	t.Parallel()
	_, script, _ := rootRun(t)
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "ecsflow-demo"),
		[]byte("#!/usr/bin/env bash\necho \"demo ran path=$INPUT_PATH\"\n"), 0o755))
	cases := []struct {
		name     string
		env      []string
		wantCode int
		want     string
	}{
		{name: "runs the command", env: []string{"ECSFLOW_COMMAND=demo", "INPUT_PATH=infra", "INPUT_FAIL-ON="}, want: "demo ran path=infra"},
		{name: "unknown command", env: []string{"ECSFLOW_COMMAND=deploy"}, wantCode: 2,
			want: `::error title=ecsflow::input "command": value "deploy" is not an ecsflow command; allowed: demo`},
		{name: "input of another command", env: []string{"ECSFLOW_COMMAND=demo", "INPUT_CLUSTER=prod", "INPUT_COMMAND=sh"}, wantCode: 2,
			want: "::error title=ecsflow::input(s) cluster, container-command not taken by command demo; it takes: path, fail-on, role-to-assume"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("bash", "-c", script)
			cmd.Env = append([]string{"PATH=" + bin + ":" + os.Getenv("PATH")}, tc.env...)
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			require.Equal(t, tc.wantCode, code, string(out))
			require.Contains(t, string(out), tc.want)
		})
	}
}

func TestRootActionScriptIsShellcheckClean(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatal("shellcheck is not installed; .ci/run installs it")
	}
	_, script, _ := rootRun(t)
	cmd := exec.Command("shellcheck", "--shell=bash", "-")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
}

// An action input named like the root's selector (deploy-ecs's container
// command) is exposed as container-command and still reaches the binary as
// INPUT_COMMAND.
func TestRootActionRenamesReservedInput(t *testing.T) {
	t.Parallel()
	raw := []byte(strings.Replace(fixture(t), "  role-to-assume:\n", "  command:\n    description: Container command.\n  role-to-assume:\n", 1))
	a := action{Name: "demo", Dir: "actions/demo", Raw: raw}
	var err error
	a.Spec, err = actionspecParse(raw)
	require.NoError(t, err)
	data, err := RootAction([]action{a})
	require.NoError(t, err)
	var doc struct {
		Inputs map[string]any `yaml:"inputs"`
		Runs   struct {
			Steps []struct {
				Env map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &doc))
	require.Contains(t, doc.Inputs, "container-command")
	require.Contains(t, doc.Inputs, "command")
	require.Equal(t, "${{ inputs.container-command }}", doc.Runs.Steps[1].Env["INPUT_COMMAND"])
	require.Equal(t, "${{ inputs.command }}", doc.Runs.Steps[1].Env["ECSFLOW_COMMAND"])
}

func TestWorkflowReference(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		".github/workflows/ci.yml": {Data: []byte("name: CI\non: push\njobs: {}\n")},
		".github/workflows/phase9.yml": {Data: []byte(`name: phase 9
on:
  workflow_call:
    inputs:
      env:
        description: Environment | name.
        type: string
        required: true
      dry:
        description: Plan only.
        type: boolean
        default: false
    secrets:
      hook:
        description: Webhook.
    outputs:
      status:
        description: Result.
        value: ${{ jobs.a.outputs.status }}
jobs: {}
`)},
	}
	got, err := WorkflowReference(fsys)
	require.NoError(t, err)
	s := string(got)
	assert.Contains(t, s, "## phase 9\n\n`phase9.yml`\n")
	assert.NotContains(t, s, "CI", "workflows without workflow_call are not listed")
	assert.Contains(t, s, "| `env` | string | yes |  | Environment \\| name. |\n")
	assert.Contains(t, s, "| `dry` | boolean | no | `false` | Plan only. |\n")
	assert.Contains(t, s, "| `hook` | no | Webhook. |\n")
	assert.Contains(t, s, "| `status` | Result. |\n")

	none, err := WorkflowReference(fstest.MapFS{".github/workflows/ci.yml": {Data: []byte("on: push\n")}})
	require.NoError(t, err)
	assert.Nil(t, none)
}
