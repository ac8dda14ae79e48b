package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The shim stands in for bash in every host step act runs, so it must hand
// the step exactly the environment and exit code the real bash would. The
// runner passes a composite action's inputs as INPUT_<NAME> with the hyphen
// kept (INPUT_CREATE-REPOSITORY); a shim interpreted by dash dropped those,
// and build-push then read create-repository as its default false and
// failed with "ECR repository ... does not exist" although the workflow set
// it to true. This test runs the shim directly, without act.
func TestBashShimKeepsEnvironmentAndExitCode(t *testing.T) {
	t.Parallel()
	dir, err := bashShim(t.TempDir())
	require.NoError(t, err)
	shim := filepath.Join(dir, "bash")

	tests := []struct {
		name   string
		script string
		code   int
		out    string
	}{
		{
			name:   "hyphenated inputs reach the step",
			script: `printenv 'INPUT_CREATE-REPOSITORY'; printenv 'INPUT_FAIL-ON-SEVERITY'; printenv INPUT_REPOSITORY`,
			out:    "true\nCRITICAL\nstaging/open-webui\n",
		},
		{
			name:   "a failing step keeps its exit code and last line",
			script: `echo '::error::input "repository": boom'; exit 3`,
			code:   3,
			out:    "::error::input \"repository\": boom\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(shim, "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", tc.script)
			cmd.Env = append(os.Environ(),
				"INPUT_CREATE-REPOSITORY=true",
				"INPUT_FAIL-ON-SEVERITY=CRITICAL",
				"INPUT_REPOSITORY=staging/open-webui",
			)
			out, err := cmd.Output()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.out, string(out))
		})
	}
}
