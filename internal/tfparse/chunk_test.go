package tfparse

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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

// parseJoined is parseNative with the blocks of the pieces joined back
// into the body, to compare with a whole-file parse.
func parseJoined(src []byte, threshold, size int) (*hclsyntax.Body, hcl.Diagnostics, []int) {
	var blocks []*hclsyntax.Block
	f, diags, cuts, pieces := parseNative("main.tf", src, threshold, size, func(p *hclsyntax.Body) {
		blocks = append(blocks, p.Blocks...)
	})
	body := f.Body.(*hclsyntax.Body)
	if pieces {
		body.Blocks = blocks
	}
	return body, diags, cuts
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
			got, diags, cuts := parseJoined(src, 1, 1)
			require.Len(t, cuts, tc.wantCuts)
			require.Equal(t, wantDiags.Error(), diags.Error())
			require.Equal(t, dump(want.Body.(*hclsyntax.Body)), dump(got))
			for _, c := range cuts {
				require.True(t, bytes.HasSuffix(src[:c], []byte("\n}\n")), "cut at %d", c)
			}
		})
	}
}

// TestLargeFileParsedInPieces checks that ParseFile cuts a generated file
// of a few megabytes, that its blocks are the whole-file parse, and that
// resources and data sources keep no syntax tree of their own: read, they
// are parsed again from the source into the same tree and ranges.
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
	var want, got strings.Builder
	wb := whole.Body.(*hclsyntax.Body)
	dumpBody(&want, &hclsyntax.Body{Attributes: wb.Attributes}, "")
	for _, blk := range wb.Blocks {
		fmt.Fprintf(&want, "block %s %q %v %v\n", blk.Type, blk.Labels, blk.DefRange(), blk.Range())
		dumpBody(&want, blk.Body, "  ")
	}
	dumpBody(&got, f.body.(*hclsyntax.Body), "")
	lazy := 0
	for _, b := range f.top {
		if b.lazy != nil {
			lazy++
			require.Nil(t, b.syn)
			require.Nil(t, b.body)
		}
		fmt.Fprintf(&got, "block %s %q %v %v\n", b.Type, b.Labels, b.DefRange, b.Range)
		dumpBody(&got, b.synBody(), "  ")
	}
	require.Equal(t, 6000+2, lazy, "every resource is parsed lazily")
	require.Equal(t, want.String(), got.String())
}

// TestLazyBodyIsReleased checks that a lazily parsed body is held by
// nothing but its users: once they are gone it is collected, and the next
// read parses the same tree again.
func TestLazyBodyIsReleased(t *testing.T) {
	t.Parallel()
	src := []byte("variable \"x\" {\n}\n\nresource \"a\" \"r\" {\n  n = 1\n  nested {\n    m = \"${var.x}\"\n  }\n}\n")
	require.Nil(t, ParseFile("main.tf", src).top, "a file this small is parsed whole")
	var pieces []*hclsyntax.Block
	_, _, _, ok := parseNative("main.tf", src, 1, 1, func(p *hclsyntax.Body) { pieces = append(pieces, p.Blocks...) })
	require.True(t, ok)
	require.Len(t, pieces, 2)
	b := newLazyBlock(pieces[1], &File{Path: "main.tf", Src: src})
	first := dump(b.synBody())
	require.Equal(t, dump(pieces[1].Body), first)
	require.NotNil(t, b.lazy.tree.Value(), "the tree is kept while it is in use")
	runtime.GC()
	require.Nil(t, b.lazy.tree.Value(), "nothing keeps the tree once it is not in use")
	require.Nil(t, b.Attr("count"))
	require.Nil(t, b.lazy.tree.Value(), "an attribute the block lacks is known without a parse")
	require.Equal(t, first, dump(b.synBody()))
	require.Equal(t, "1", fmt.Sprint(b.Attr("n").Expr.(*hclsyntax.LiteralValueExpr).Val.AsBigFloat()))
	require.Len(t, b.Blocks("nested"), 1)
}

// TestPiecesFromParsesSmallFilesInPieces checks the Options knob that lets
// tests run the rules over lazily parsed blocks: with PiecesFrom set, a
// small file is cut at every top-level block and its resources and data
// sources are lazy; by default it is parsed whole.
func TestPiecesFromParsesSmallFilesInPieces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := "variable \"x\" {\n}\n\nresource \"a\" \"r\" {\n  n = var.x\n}\n\ndata \"b\" \"d\" {\n}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644))
	cases := []struct {
		name     string
		from     int
		wantLazy []bool
		wantCuts int
	}{
		{name: "default parses a small file whole", from: 0, wantLazy: []bool{false, false, false}, wantCuts: 0},
		{name: "one byte cuts at every block", from: 1, wantLazy: []bool{false, true, true}, wantCuts: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tree, err := Load([]string{dir}, Options{PiecesFrom: tc.from})
			require.NoError(t, err)
			m := tree.Modules[0]
			var lazy []bool
			for _, b := range m.Blocks {
				lazy = append(lazy, b.lazy != nil)
			}
			require.Equal(t, tc.wantLazy, lazy)
			require.Len(t, m.Files[0].Cuts(), tc.wantCuts)
			require.Equal(t, "var.x", string(m.Resources["a.r"].Attr("n").Expr.Range().SliceBytes([]byte(src))))
		})
	}
}
