package tfparse

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/benchtree"
)

// dumpBody writes the shape of a body (blocks with labels and ranges,
// attributes with expression types and ranges) so that two parses can be
// compared.
func dumpBody(w *strings.Builder, b *hclsyntax.Body, indent string) {
	names := make([]string, 0, len(b.Attributes))
	for n := range b.Attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := b.Attributes[n]
		fmt.Fprintf(w, "%sattr %s %v %T %v\n", indent, n, a.SrcRange, a.Expr, a.Expr.Range())
	}
	for _, blk := range b.Blocks {
		fmt.Fprintf(w, "%sblock %s %q %v\n", indent, blk.Type, blk.Labels, blk.Range())
		dumpBody(w, blk.Body, indent+"  ")
	}
}

func dump(b *hclsyntax.Body) string {
	var w strings.Builder
	dumpBody(&w, b, "")
	return w.String()
}

func TestParseInPieces(t *testing.T) {
	t.Parallel()
	const res = "resource \"a\" \"r%d\" {\n  x = %d\n}\n"
	many := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, res, i, i)
		}
		return b.String()
	}
	cases := []struct {
		name     string
		src      string
		wantCuts int
	}{
		{name: "one piece per block", src: many(4), wantCuts: 3},
		{name: "closing brace of a heredoc is not a cut", src: many(1) + "resource \"a\" \"h\" {\n  p = <<EOT\n{\n}\nEOT\n}\n" + many(1), wantCuts: 2},
		{name: "closing brace inside a comment is not a cut", src: many(1) + "/*\n}\n*/\n" + many(1), wantCuts: 1},
		{name: "a syntax error parses the whole file", src: many(2) + "resource \"a\" {\n  = 1\n}\n" + many(2), wantCuts: 0},
		{name: "a repeated top-level attribute parses the whole file", src: "x = {\n}\n" + many(1) + "x = {\n}\n", wantCuts: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := []byte(tc.src)
			want, wantDiags := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
			got, diags, cuts := parseNative("main.tf", src, 1, 1)
			require.Len(t, cuts, tc.wantCuts)
			require.Equal(t, wantDiags.Error(), diags.Error())
			require.Equal(t, dump(want.Body.(*hclsyntax.Body)), dump(got.Body.(*hclsyntax.Body)))
			for _, c := range cuts {
				require.True(t, bytes.HasSuffix(src[:c], []byte("\n}\n")), "cut at %d", c)
			}
		})
	}
}

// TestLargeFileParsedInPieces checks that ParseFile cuts a generated file
// of a few megabytes and that the result is the whole-file parse.
func TestLargeFileParsedInPieces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := benchtree.WriteFlat(dir, 6000)
	require.NoError(t, err)
	src, err := os.ReadFile(filepath.Join(dir, "main.tf"))
	require.NoError(t, err)
	require.Greater(t, len(src), chunkThreshold)
	f := ParseFile("main.tf", src)
	require.False(t, f.Diags.HasErrors(), f.Diags.Error())
	require.GreaterOrEqual(t, len(f.Cuts()), len(src)/chunkSize-1)
	whole, diags := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
	require.False(t, diags.HasErrors())
	require.Equal(t, dump(whole.Body.(*hclsyntax.Body)), dump(f.body.(*hclsyntax.Body)))
}
