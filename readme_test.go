package ecsflow_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/workflowlint"
)

// fenced returns the bodies of the README's fenced blocks of a language,
// from the heading "## <from>" on ("" for the whole README).
func fenced(t *testing.T, from, lang string) []string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	text := string(readme)
	if from != "" {
		i := strings.Index(text, "\n## "+from+"\n")
		require.GreaterOrEqual(t, i, 0, "README has the section %q", from)
		text = text[i:]
	}
	re := regexp.MustCompile("(?ms)^```" + lang + "\n(.*?)^```\n")
	var out []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// The caller workflow in the README is copied by new teams as it is: it
// must lint clean (actionlint and the unknown-input check against the
// actions embedded in this build), and every action it uses apart from
// ecsflow's own must be pinned by commit SHA.
func TestReadmePipelineLints(t *testing.T) {
	t.Parallel()
	const marker = "# .github/workflows/pipeline.yml\n"
	var pipeline string
	for _, b := range fenced(t, "", "yaml") {
		if strings.HasPrefix(b, marker) {
			require.Empty(t, pipeline, "one block starts with %q", marker)
			pipeline = b
		}
	}
	require.NotEmpty(t, pipeline, "README has a yaml block starting with %q", marker)
	for _, job := range []string{"validate:", "dev:", "prod:"} {
		require.Contains(t, pipeline, "\n  "+job, "the pipeline has the %s job", job)
	}

	dir := filepath.Join(t.TempDir(), ".github", "workflows")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	file := filepath.Join(dir, "pipeline.yml")
	require.NoError(t, os.WriteFile(file, []byte(pipeline), 0o644))

	probs, err := workflowlint.Lint([]string{file}, workflowlint.Options{})
	require.NoError(t, err)
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.Message+" ["+p.Kind+"]")
	}
	require.Empty(t, msgs)

	pins, err := workflowlint.Unpinned([]string{file})
	require.NoError(t, err)
	for _, p := range pins {
		require.Contains(t, p.Message, "ecsflow/ecsflow/", "only ecsflow's own actions follow a tag here: %s", p.Message)
	}
	require.NotContains(t, pipeline, "run:", "no shell steps, so no ${{ }} in a script")
}

// The quick start is two commands, and stays two.
func TestReadmeQuickStartIsTwoCommands(t *testing.T) {
	t.Parallel()
	blocks := fenced(t, "Quick start", "sh")
	require.NotEmpty(t, blocks)
	var cmds []string
	for _, line := range strings.Split(strings.TrimSpace(blocks[0]), "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		cmds = append(cmds, strings.TrimSpace(cmd))
	}
	require.Equal(t, []string{"make demo", "make test"}, cmds)
}
