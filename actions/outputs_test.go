package actions_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/ghatest"
)

// libDelimiter is the fixed heredoc delimiter go-githubactions v1.3.0
// writes outputs with; a value carrying it could forge outputs.
const libDelimiter = "_GitHubActionsFileCommandDelimeter_"

// hostile tries to close the heredoc of its output and add one of its own.
const hostile = "x\n" + libDelimiter + "\ninjected=owned\nforged<<" + libDelimiter + "\nowned"

// Every input an action echoes into an output (a path, or a name that ends
// up in a path, an image reference or a JSON key) either comes back whole
// in its output or is refused as bad input; it never adds an output.
func TestEchoedInputsCannotForgeOutputs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		action, input, output string
	}{
		{"validate", "sarif-file", "sarif-file"},
		{"build-push", "repository", "image"},
		{"build-push", "tags", "tags"},
		{"deploy-ecs", "service", "task-definition-arn"},
		{"drift-check", "environment", "report-json"},
		{"rollback", "to", "task-definition-arn"},
	}
	for _, tc := range cases {
		t.Run(tc.action+"/"+tc.input, func(t *testing.T) {
			t.Parallel()
			r := run(t, tc.action, inActions, merge(baselines[tc.action], map[string]string{tc.input: hostile}))
			outs, err := ghatest.ParseFileCommands(r.outputs)
			require.NoError(t, err, "the output file parses as the runner reads it\n%s", r.outputs)
			assert.NotContains(t, outs, "injected", r.all())
			assert.NotContains(t, outs, "forged", r.all())
			if r.code == 2 {
				assertBadInput(t, inActions, r, tc.input)
				return
			}
			assert.Equal(t, hostile, outs[tc.output], "echoed whole\n%s", r.all())
		})
	}
}
