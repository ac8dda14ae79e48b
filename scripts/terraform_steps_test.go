package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A stack whose backend block is complete needs no backend config file,
// and one without variables no var file: the Terraform steps of the
// reusable workflows take backend-config and var-file empty. Runs the real
// terraform on a stack with a complete local backend (no provider, no
// network).
func TestTerraformStepsTakeEmptyBackendConfigAndVarFile(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatalf("the Terraform steps run terraform, as the workflows install it: %v", err)
	}
	steps := stepsWhere(t, func(s workflowStep) bool { return strings.Contains(s.Run, "terraform init") })
	require.Len(t, steps, 3, "phase1-pr's plan and the two deploy workflows' apply")
	for where, step := range steps {
		t.Run(where, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "main.tf"),
				[]byte("terraform {\n  backend \"local\" {\n    path = \"state/terraform.tfstate\"\n  }\n}\n\noutput \"ok\" {\n  value = true\n}\n"), 0o644))
			r := runWorkflowStep(t, step, dir, map[string]string{
				"BACKEND_CONFIG": "", "VAR_FILE": "", "RUNNER_TEMP": t.TempDir(),
				"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
			})
			assert.Equal(t, 0, r.code, r.stdout)
			assert.NotContains(t, r.stdout, "Error")
		})
	}
}
