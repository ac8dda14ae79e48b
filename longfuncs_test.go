package ecsflow_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxFuncLines is the longest a non-test function may be, from `func` to
// its closing brace: about a screen (docs/architecture.md, issue 13).
const maxFuncLines = 80

// longFunctions are the functions still over maxFuncLines, each with its
// reason. The list only shrinks: an entry whose function has been split
// fails the test until it is removed.
var longFunctions = map[string]string{
	// Test machinery, never shipped: literal documents and one-pass seeds
	// that read best as they are.
	"internal/testenv/benchtree/benchtree.go moduleFiles":   "test machinery: the text of a generated module's files, one literal",
	"internal/testenv/sandbox/tfstate.go TerraformState":    "test machinery: a literal state document, resource by resource",
	"internal/testenv/drifttest/drifttest.go buildServices": "test machinery: creates each service's resources and records the state entry beside each call, in one loop",
	"internal/testenv/ghstub/ghstub.go serve":               "test machinery: the stub's route table, one switch over the REST paths it serves",
}

// No non-test function is longer than maxFuncLines unless longFunctions
// says why.
func TestNoLongFunctions(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			lines := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			if lines <= maxFuncLines {
				continue
			}
			key := filepath.ToSlash(p) + " " + fd.Name.Name
			seen[key] = true
			_, allowed := longFunctions[key]
			assert.True(t, allowed, "%s is %d lines (limit %d): split it into named steps", key, lines, maxFuncLines)
		}
		return nil
	})
	require.NoError(t, err)
	for key := range longFunctions {
		assert.True(t, seen[key], "%s is no longer over %d lines: remove it from longFunctions", key, maxFuncLines)
	}
}
