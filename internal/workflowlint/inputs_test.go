package workflowlint

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow"
	"github.com/ecsflow/ecsflow/internal/actionspec"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// render writes problems one a line, paths relative to dir.
func render(t *testing.T, dir string, probs []Problem) string {
	t.Helper()
	var b strings.Builder
	for _, p := range probs {
		absDir, err := filepath.Abs(dir)
		require.NoError(t, err)
		absFile, err := filepath.Abs(p.File)
		require.NoError(t, err)
		rel, err := filepath.Rel(absDir, absFile)
		require.NoError(t, err)
		fmt.Fprintf(&b, "%s:%d:%d: %s [%s]\n", filepath.ToSlash(rel), p.Line, p.Column, p.Message, p.Kind)
	}
	return b.String()
}

func TestUnknownInputs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		repo     string
		workflow string
	}{
		{name: "a team's repository: local and remote callees", repo: "team", workflow: "ci"},
		{name: "the team's reusable workflow passes nothing", repo: "team", workflow: "reusable"},
		{name: "an ecsflow checkout is checked against itself", repo: "fork", workflow: "deploy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata", "inputs", tc.repo)
			file := filepath.Join(dir, ".github", "workflows", tc.workflow+".yml")
			r := &resolver{embedded: os.DirFS("testdata/inputs/release"), cache: map[string]*[]string{}}
			probs, err := unknownInputs([]string{file}, r)
			require.NoError(t, err)
			got := render(t, dir, probs)
			golden := filepath.Join(dir, tc.workflow+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), got)
		})
	}
}

// The copies embedded in the binary are complete: every action and every
// reusable workflow resolves remotely, with the inputs its file declares.
func TestEmbeddedInterfaceResolves(t *testing.T) {
	t.Parallel()
	r := newResolver()
	file := filepath.Join(t.TempDir(), ".github", "workflows", "caller.yml")
	actions, err := fs.Glob(ecsflow.Interface, "actions/*/action.yml")
	require.NoError(t, err)
	require.Len(t, actions, len(ecsflow.Actions), "one embedded action.yml per action in ecsflow.Actions")
	for _, a := range append(actions, "action.yml") {
		data, err := os.ReadFile(filepath.Join("..", "..", a))
		require.NoError(t, err)
		spec, err := actionspec.Parse(data)
		require.NoError(t, err)
		uses := strings.TrimSuffix("ecsflow/ecsflow/"+filepath.Dir(a), "/.")
		c := r.resolve(file, uses+"@v1")
		require.NotNil(t, c, uses)
		require.Equal(t, spec.InputNames(), c.inputs, uses)
	}
	reusable := 0
	workflows, err := fs.Glob(ecsflow.Interface, ".github/workflows/*.yml")
	require.NoError(t, err)
	for _, w := range workflows {
		if c := r.resolve(file, "ecsflow/ecsflow/"+w+"@0123456789abcdef0123456789abcdef01234567"); c != nil {
			reusable++
			require.Contains(t, c.inputs, "ecsflow-ref", w)
		}
	}
	require.GreaterOrEqual(t, reusable, 6, "the phase workflows are reusable")
}

// Through Lint, with the embedded copies and the repository's .git (so
// actionlint checks the local callees too): one problem per unknown input,
// ours, naming the closest known input.
func TestLintReportsUnknownInputsOnce(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, ".git"), 0o755))
	src := filepath.Join("testdata", "inputs", "team")
	require.NoError(t, os.CopyFS(root, os.DirFS(src)))
	wf := filepath.Join(root, ".github", "workflows")
	probs, err := Lint([]string{filepath.Join(wf, "ci.yml"), filepath.Join(wf, "reusable.yml")}, Options{Shellcheck: "off"})
	require.NoError(t, err)
	got := render(t, root, probs)
	require.Contains(t, got, `.github/workflows/ci.yml:32:11: unknown input "stratgy" for ecsflow/ecsflow/actions/deploy-ecs; did you mean "strategy"? known inputs: `)
	require.Contains(t, got, `.github/workflows/ci.yml:16:7: unknown input "greting" for ./.github/workflows/reusable.yml; did you mean "greeting"? known inputs: greeting [unknown-input]`)
	require.Contains(t, got, `.github/workflows/ci.yml:28:11: unknown input "nmae" for ./actions/greet; did you mean "name"? known inputs: name [unknown-input]`)
	require.NotContains(t, got, "is not defined in", "actionlint's report of the same key is dropped")
}
