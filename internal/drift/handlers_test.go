package drift

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryCoveredTypeHasExactlyOneHandler: Types is derived from the
// handlers, sorted, and no two handlers read the same type (the scan would
// compare its objects twice).
func TestEveryCoveredTypeHasExactlyOneHandler(t *testing.T) {
	t.Parallel()
	owner := map[string]int{}
	for i, h := range handlers {
		require.NotEmpty(t, h.types, "handler %d covers no type", i)
		require.NotNil(t, h.need, "handler %d", i)
		require.NotNil(t, h.run, "handler %d", i)
		for _, ts := range h.types {
			prev, dup := owner[ts.name]
			require.False(t, dup, "%s is read by handlers %d and %d", ts.name, prev, i)
			owner[ts.name] = i
		}
	}
	require.True(t, sort.StringsAreSorted(Types), "Types must stay sorted: Covered searches it")
	require.Len(t, Types, len(owner))
	for _, typ := range Types {
		_, ok := owner[typ]
		require.True(t, ok, "%s is listed without a handler", typ)
		require.True(t, Covered(typ), typ)
	}
}

// TestAliasesResolveToCoveredTypes: each classic ELB name the provider
// accepts maps to a type a handler reads.
func TestAliasesResolveToCoveredTypes(t *testing.T) {
	t.Parallel()
	for alias, typ := range aliases {
		require.True(t, Covered(alias), alias)
		require.Equal(t, typ, canonicalType(alias))
		require.Contains(t, Types, typ)
	}
}
