package actionspec_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/actionspec"
)

const doc = `name: ecsflow probe
description: >-
  Probes things.
inputs:
  zeta:
    description: Last in the alphabet, first in the file.
    required: true
  alpha:
    description: |
      Two lines,
      with a | pipe.
    default: "a"
  empty-default:
    description: Has an empty default.
    default: ""
outputs:
  result:
    description: The result.
    value: ${{ steps.run.outputs.result }}
runs:
  using: composite
  steps: []
`

func TestParseKeepsFileOrder(t *testing.T) {
	t.Parallel()
	s, err := actionspec.Parse([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, "ecsflow probe", s.Name)
	assert.Equal(t, "Probes things.", s.Description)
	require.Len(t, s.Inputs, 3)
	assert.Equal(t, []string{"zeta", "alpha", "empty-default"}, []string{s.Inputs[0].Name, s.Inputs[1].Name, s.Inputs[2].Name})
	assert.True(t, s.Inputs[0].Required)
	assert.False(t, s.Inputs[0].HasDefault)
	assert.Equal(t, "a", s.Inputs[1].Default)
	assert.True(t, s.Inputs[2].HasDefault)
	assert.Equal(t, "", s.Inputs[2].Default)
	assert.Equal(t, []string{"alpha", "empty-default", "zeta"}, s.InputNames())
	in, ok := s.Input("alpha")
	assert.True(t, ok)
	assert.Equal(t, "Two lines,\nwith a | pipe.", in.Description)
	_, ok = s.Input("nope")
	assert.False(t, ok)
	require.Len(t, s.Outputs, 1)
	assert.Equal(t, "result", s.Outputs[0].Name)
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"not yaml":             "inputs: [",
		"not a mapping":        "- a\n- b\n",
		"inputs not a mapping": "inputs: [a]\n",
		"bad input":            "inputs:\n  a:\n    required: maybe\n",
		"outputs not mapping":  "outputs: x\n",
	}
	for name, d := range cases {
		_, err := actionspec.Parse([]byte(d))
		require.Error(t, err, name)
		assert.True(t, strings.HasPrefix(err.Error(), "failed to parse action.yml"), name+": "+err.Error())
	}
	assert.Panics(t, func() { actionspec.MustParse([]byte("inputs: [")) })
}

func TestMarkdownTables(t *testing.T) {
	t.Parallel()
	s := actionspec.MustParse([]byte(doc))
	assert.Equal(t, "| Input | Required | Default | Description |\n| --- | --- | --- | --- |\n"+
		"| `zeta` | yes |  | Last in the alphabet, first in the file. |\n"+
		"| `alpha` | no | `a` | Two lines,<br>with a \\| pipe. |\n"+
		"| `empty-default` | no |  | Has an empty default. |\n", s.MarkdownInputs())
	assert.Equal(t, "| Output | Description |\n| --- | --- |\n| `result` | The result. |\n", s.MarkdownOutputs())
}

func TestRenderReadme(t *testing.T) {
	t.Parallel()
	s := actionspec.MustParse([]byte(doc))
	readme := "# probe\n\n## Inputs\n" + actionspec.InputsBegin + "\nstale\n" + actionspec.InputsEnd +
		"\n\n## Outputs\n" + actionspec.OutputsBegin + "\n" + actionspec.OutputsEnd + "\n\nmore text\n"
	got, err := s.RenderReadme([]byte(readme))
	require.NoError(t, err)
	want := "# probe\n\n## Inputs\n" + actionspec.InputsBegin + "\n" + s.MarkdownInputs() + actionspec.InputsEnd +
		"\n\n## Outputs\n" + actionspec.OutputsBegin + "\n" + s.MarkdownOutputs() + actionspec.OutputsEnd + "\n\nmore text\n"
	assert.Equal(t, want, string(got))
	again, err := s.RenderReadme(got)
	require.NoError(t, err)
	assert.Equal(t, string(got), string(again), "rendering is idempotent")

	_, err = s.RenderReadme([]byte("# no markers\n"))
	assert.ErrorContains(t, err, "README lacks the marker pair")
	_, err = s.RenderReadme([]byte(actionspec.InputsEnd + actionspec.InputsBegin))
	assert.Error(t, err, "markers in the wrong order")
}
