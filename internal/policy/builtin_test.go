package policy

import (
	"context"
	"io/fs"
	"os"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow"
)

// TestBuiltinLibrary runs the built-in library's opa-test cases
// (policies/*_test.rego) against the embedded copy validate ships.
func TestBuiltinLibrary(t *testing.T) {
	t.Parallel()
	n := runRegoTests(t, ecsflow.Policies, "policies/*.rego")
	require.GreaterOrEqual(t, n, 7*3, "every built-in policy has pass and fail cases")
}

// TestExamplePolicies runs the example organisation's policy tests.
func TestExamplePolicies(t *testing.T) {
	t.Parallel()
	n := runRegoTests(t, os.DirFS("../../examples/open-webui/policies"), "*.rego")
	require.GreaterOrEqual(t, n, 5)
}

// runRegoTests runs the test_ rules of the matching files as opa test
// does, one subtest each, and returns how many ran.
func runRegoTests(t *testing.T, fsys fs.FS, pattern string) int {
	t.Helper()
	mods := map[string]*ast.Module{}
	files, err := fs.Glob(fsys, pattern)
	require.NoError(t, err)
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		require.NoError(t, err)
		m, err := ast.ParseModuleWithOpts(f, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		require.NoError(t, err)
		mods[f] = m
	}
	ch, err := tester.NewRunner().SetModules(mods).SetStore(inmem.New()).RaiseBuiltinErrors(true).RunTests(context.Background(), nil)
	require.NoError(t, err)
	n := 0
	for r := range ch {
		n++
		t.Run(r.Package+"/"+r.Name, func(t *testing.T) {
			require.Nil(t, r.Error, "%s", r.Error)
			require.False(t, r.Fail, "%s failed (%s:%d)", r.Name, r.Location.File, r.Location.Row)
			require.False(t, r.Skip, "%s is skipped", r.Name)
		})
	}
	return n
}
