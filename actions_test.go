package ecsflow_test

import (
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow"
)

// TestActionsListsEveryActionDirectory holds the list to the actions the
// repository has: each actions/<name>/action.yml is listed, and nothing else.
func TestActionsListsEveryActionDirectory(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(ecsflow.Interface, "actions/*/action.yml")
	require.NoError(t, err)
	var dirs []string
	for _, f := range files {
		dirs = append(dirs, path.Base(path.Dir(f)))
	}
	listed := append([]string(nil), ecsflow.Actions...)
	sort.Strings(dirs)
	sort.Strings(listed)
	require.Equal(t, dirs, listed)
}

// TestMakefileBuildsTheListedActions: make build, make test and the demo
// use the Makefile's ACTIONS; it names the same actions in the same order.
func TestMakefileBuildsTheListedActions(t *testing.T) {
	t.Parallel()
	mk, err := os.ReadFile("Makefile")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^ACTIONS\s*:=\s*(.*)$`).FindSubmatch(mk)
	require.NotNil(t, m, "Makefile sets ACTIONS :=")
	require.Equal(t, ecsflow.Actions, strings.Fields(string(m[1])),
		"Makefile ACTIONS differs from ecsflow.Actions (actions.go); change both")
}

// TestScriptsNameTheListedActions: the release, setup-binary and contract
// bench scripts carry their own ACTIONS="..." (they run without Go); each
// names the same actions in the same order as ecsflow.Actions.
func TestScriptsNameTheListedActions(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`(?m)^(?:readonly )?ACTIONS="([^"]*)"`)
	for _, f := range []string{"scripts/release.sh", "scripts/setup-binary.sh", "scripts/bench/contract.sh"} {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			m := re.FindSubmatch(b)
			require.NotNil(t, m, "%s sets ACTIONS=\"...\"", f)
			require.Equal(t, ecsflow.Actions, strings.Fields(string(m[1])),
				"%s ACTIONS differs from ecsflow.Actions (actions.go); change both", f)
		})
	}
}
