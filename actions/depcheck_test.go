package actions_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testMachinery is where simulators, stubs, generators and test adaptors
// live. A shipped action binary never links any of it.
const testMachinery = module + "/internal/testenv"

// No action binary imports test machinery, directly or through another
// package (in the spirit of go-containerregistry's depcheck).
func TestActionsImportNoTestMachinery(t *testing.T) {
	t.Parallel()
	for _, a := range actionNames {
		t.Run(a, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+"/actions/"+a).CombinedOutput()
			require.NoError(t, err, "go list: %s", out)
			var bad []string
			for _, p := range strings.Fields(string(out)) {
				if p == testMachinery || strings.HasPrefix(p, testMachinery+"/") || strings.HasSuffix(p, "test") && strings.HasPrefix(p, module+"/") {
					bad = append(bad, p)
				}
			}
			require.Empty(t, bad, "ecsflow-%s links test machinery; keep simulators, stubs and fakes under internal/testenv and out of the engines", a)
		})
	}
}
