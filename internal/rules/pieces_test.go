package rules

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// TestFindingsDoNotDependOnParsingInPieces runs every rule over every
// fixture directory twice: as loaded normally (small files parsed whole)
// and with every file parsed in pieces of one block, each resource's body
// parsed again from the source whenever a rule reads it. The findings,
// suppressed ones included, must be identical.
func TestFindingsDoNotDependOnParsingInPieces(t *testing.T) {
	t.Parallel()
	dirs := map[string]bool{}
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tf") {
			dirs[filepath.Dir(p)] = true
		}
		return err
	})
	require.NoError(t, err)
	require.Greater(t, len(dirs), 100)
	for dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			in := loadFixture(t, dir)
			want := Run(in)
			tree, err := tfparse.Load([]string{dir}, tfparse.Options{VarFiles: in.VarFiles, PiecesFrom: 1})
			require.NoError(t, err)
			in.Tree = tree
			require.Equal(t, want, Run(in))
		})
	}
}
