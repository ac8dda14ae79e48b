package tfparse

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
)

// FuzzLoad loads a root of one arbitrary file with an arbitrary var file
// (native or JSON). A var file that does not parse is a *VarFileError
// naming it; otherwise the tree holds the file, records every variable the
// var file sets, and every attribute of every block evaluates without a
// panic.
func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, src, vars []byte, jsonVars bool) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644))
		vf := filepath.Join(dir, "env.tfvars")
		if jsonVars {
			vf += ".json"
		}
		require.NoError(t, os.WriteFile(vf, vars, 0o644))
		tree, err := Load([]string{dir}, Options{VarFiles: []string{vf}})
		if err != nil {
			var ve *VarFileError
			require.True(t, errors.As(err, &ve), "%T is not a *VarFileError: %v", err, err)
			require.Equal(t, vf, ve.Path)
			return
		}
		require.Len(t, tree.VarFiles, 1)
		require.Len(t, tree.Files(), 1)
		root := tree.Modules[0]
		for _, b := range root.Blocks {
			evalBlock(root, b)
		}
	})
}

func evalBlock(m *Module, b *Block) {
	for _, inst := range m.Eval.Instances(b) {
		for _, a := range b.Attrs() {
			inst.Eval(a.Expr)
		}
	}
	for _, nb := range b.AllBlocks() {
		evalBlock(m, nb)
	}
}

// FuzzParsePieces: parsing in pieces (cut as small as possible) either
// gives exactly the whole-file parse, with every cut after a closing brace
// alone on its line, or falls back to the whole-file parse. Every block,
// parsed again from its own source (as a lazy body is), gives the same tree.
func FuzzParsePieces(f *testing.F) {
	f.Fuzz(func(t *testing.T, src []byte) {
		whole, wantDiags := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
		got, diags, cuts := parseJoined(src, 0, 1)
		require.Equal(t, wantDiags.Error(), diags.Error())
		if wantDiags.HasErrors() {
			require.Nil(t, cuts)
			return
		}
		require.Equal(t, dump(whole.Body.(*hclsyntax.Body)), dump(got))
		for _, blk := range got.Blocks {
			lb := newLazyBlock(blk, &File{Path: "main.tf", Src: src})
			require.Equal(t, dump(blk.Body), dump(lb.synBody()), "a block parsed again from its source")
		}
		for _, c := range cuts {
			require.True(t, bytes.HasSuffix(src[:c], []byte("\n}\n")), "cut at %d", c)
		}
	})
}
