package policy

import (
	"context"
	"io/fs"
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
	mods := map[string]*ast.Module{}
	files, err := fs.Glob(ecsflow.Policies, "policies/*.rego")
	require.NoError(t, err)
	tests := 0
	for _, f := range files {
		src, err := fs.ReadFile(ecsflow.Policies, f)
		require.NoError(t, err)
		m, err := ast.ParseModuleWithOpts(f, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		require.NoError(t, err)
		mods[f] = m
	}
	ctx := context.Background()
	ch, err := tester.NewRunner().SetModules(mods).SetStore(inmem.New()).RaiseBuiltinErrors(true).Run(ctx, mods)
	require.NoError(t, err)
	for r := range ch {
		tests++
		t.Run(r.Package+"/"+r.Name, func(t *testing.T) {
			require.Nil(t, r.Error, "%s", r.Error)
			require.False(t, r.Fail, "%s failed (%s:%d)", r.Name, r.Location.File, r.Location.Row)
			require.False(t, r.Skip, "%s is skipped", r.Name)
		})
	}
	require.GreaterOrEqual(t, tests, 7*3, "every built-in policy has pass and fail cases")
}
