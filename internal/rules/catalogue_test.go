package rules

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCatalogueIsOneOrderedListOfDistinctRules: the catalogue is written in
// ID order, names each rule once, and every rule but the suppression rule
// (reported by the engine itself) has a check.
func TestCatalogueIsOneOrderedListOfDistinctRules(t *testing.T) {
	t.Parallel()
	idRE := regexp.MustCompile(`^EF\d{3}$`)
	seen := map[string]bool{}
	prev := ""
	for _, r := range Catalogue() {
		require.Regexp(t, idRE, r.ID)
		require.False(t, seen[r.ID], "%s is listed twice", r.ID)
		seen[r.ID] = true
		require.Greater(t, r.ID, prev, "%s is listed after %s; keep the catalogue in ID order", r.ID, prev)
		prev = r.ID
		require.NotEmpty(t, r.Category, r.ID)
		require.NotEmpty(t, r.Title, r.ID)
		require.NotEmpty(t, r.Remediation, r.ID)
		require.NotEmpty(t, r.Doc, r.ID)
		if r.ID == suppressionRuleID {
			require.Nil(t, r.check, "the engine reports %s itself", r.ID)
			continue
		}
		require.NotNil(t, r.check, "%s has no check", r.ID)
		got, ok := Lookup(r.ID)
		require.True(t, ok, r.ID)
		require.Same(t, r, got)
	}
	require.Len(t, byID, len(catalogue))
}
