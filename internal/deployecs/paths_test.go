package deployecs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/exitcode"
)

// A task-definition file is read relative to the workspace
// (GITHUB_WORKSPACE), not to the working directory, like every file input.
func TestTaskDefinitionFileIsTakenFromTheWorkspace(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file string
		code       int
		says       string
	}{
		// parsing passed: the run got as far as building the clients
		{"found in the workspace", "taskdefs/web.json", exitcode.Failure, "no clients in this test"},
		{"missing", "taskdefs/none.json", exitcode.BadInput, "looked for "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			src, err := os.ReadFile("testdata/web.json")
			require.NoError(t, err)
			require.NoError(t, os.MkdirAll(filepath.Join(ws, "taskdefs"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(ws, "taskdefs/web.json"), src, 0o644))
			vars := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_CLUSTER": "prod", "INPUT_SERVICE": "web", "INPUT_TASK-DEFINITION": tc.file}
			deps := Deps{Clients: func(context.Context, *cli.Env) (Clients, error) {
				return Clients{}, errors.New("no clients in this test")
			}}
			var stdout, stderr bytes.Buffer
			code := cli.Run(context.Background(), cli.Command{Spec: deploySpec, Run: func(ctx context.Context, env *cli.Env) error { return Run(ctx, env, deps) }},
				nil, &stdout, &stderr, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
			out := stdout.String() + stderr.String()
			require.Equal(t, tc.code, code, out)
			require.Contains(t, out, tc.says)
			if tc.code == exitcode.BadInput {
				require.Contains(t, out, filepath.Join(ws, tc.file))
				require.Contains(t, out, "relative paths are taken from the workspace")
			}
		})
	}
}
