package policy

import (
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestInputShape holds the input document (docs/policies.md describes it)
// to a golden file: resources per instance with resolved attributes, nested
// and dynamic blocks as lists, unknown values, providers, the backend with
// its partial configuration, task definitions and workflows.
func TestInputShape(t *testing.T) {
	t.Parallel()
	tree, err := tfparse.Load([]string{"testdata/stack"}, tfparse.Options{})
	require.NoError(t, err)
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		return b
	}
	in := BuildInput(Sources{
		Tree:      tree,
		TaskDefs:  map[string][]byte{"testdata/taskdef.json": read("testdata/taskdef.json"), "testdata/broken.json": []byte("{")},
		Workflows: map[string][]byte{"testdata/workflow.yml": read("testdata/workflow.yml")},
	})
	got, err := json.MarshalIndent(in, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	const golden = "testdata/input.golden.json"
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	require.Equal(t, string(read(golden)), string(got))

	file, line, ok := in.Locate(`aws_ecs_service.this["web"]`)
	require.True(t, ok)
	require.Equal(t, "testdata/stack/main.tf", file)
	require.Equal(t, 27, line)
}

func TestEnvironmentOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		varFiles []string
		want     string
	}{
		{"none", nil, ""},
		{"prod file", []string{"environments/prod.tfvars"}, "prod"},
		{"last file wins", []string{"common.tfvars", "env/dev.tfvars"}, "dev"},
		{"suffix", []string{"app-staging.tfvars"}, "staging"},
		{"unrelated", []string{"products.tfvars"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, environmentOf(nil, tc.varFiles))
		})
	}
}
