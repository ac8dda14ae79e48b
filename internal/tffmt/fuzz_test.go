package tffmt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
)

// nestedInterpolations counts interpolation-only strings whose expression
// starts with another quoted template ("${"${...}"}"): terraform fmt unwraps
// one level per run, so each is one more run before the output is stable.
func nestedInterpolations(src []byte) int {
	toks, diags := hclsyntax.LexConfig(src, "x.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return 0
	}
	n := 0
	for i := 0; i+3 < len(toks); i++ {
		if toks[i].Type == hclsyntax.TokenOQuote && toks[i+1].Type == hclsyntax.TokenTemplateInterp &&
			toks[i+2].Type == hclsyntax.TokenOQuote && toks[i+3].Type == hclsyntax.TokenTemplateInterp {
			n++
		}
	}
	return n
}

// FuzzFormat: a file that does not parse is returned unchanged; one that
// parses is formatted into a file that still parses, Check and CheckParsed
// agree with Format, and formatting is idempotent except for nested
// interpolation-only strings, where it converges one level per run as
// terraform fmt does (see TestNestedInterpolationTakesOneRunPerLevel).
func FuzzFormat(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.tf")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, diags := Format(src, "x.tf")
		if diags.HasErrors() {
			require.Equal(t, src, out, "a file with syntax errors must be left alone")
			return
		}
		_, d2 := hclsyntax.ParseConfig(out, "x.tf", hcl.InitialPos)
		require.False(t, d2.HasErrors(), "formatted output does not parse: %s\n%s", d2.Error(), out)
		checked, ok := CheckParsed(src, "x.tf")
		require.Equal(t, string(out), string(checked), "CheckParsed disagrees with Format")
		require.Equal(t, bytes.Equal(out, src), ok)
		prev, budget := out, nestedInterpolations(src)
		for run := 0; ; run++ {
			next, d := Format(prev, "x.tf")
			require.False(t, d.HasErrors())
			if bytes.Equal(next, prev) {
				break
			}
			require.Less(t, run, budget,
				"formatting is not idempotent and no nested interpolation explains it:\n%q\n%q", prev, next)
			prev = next
		}
	})
}

// FuzzCheckPieces: cutting a file after any top-level closing brace alone
// on its line (where the part before the cut parses on its own) and
// formatting the pieces gives CheckParsed's answer for the whole file.
func FuzzCheckPieces(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.tf")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, diags := hclsyntax.ParseConfig(src, "x.tf", hcl.InitialPos); diags.HasErrors() {
			return
		}
		var cuts []int
		for i := 0; ; {
			j := bytes.Index(src[i:], []byte("\n}\n"))
			if j < 0 {
				break
			}
			c := i + j + 3
			if _, diags := hclsyntax.ParseConfig(src[:c], "x.tf", hcl.InitialPos); !diags.HasErrors() && c < len(src) {
				cuts = append(cuts, c)
			}
			i = c - 1
		}
		want, wantOK := CheckParsed(src, "x.tf")
		got, ok := CheckPieces(src, "x.tf", cuts)
		require.Equal(t, wantOK, ok, "cuts %v", cuts)
		require.Equal(t, string(want), string(got), "cuts %v", cuts)
	})
}

// TestNestedInterpolationTakesOneRunPerLevel is the documented exception
// to idempotence: terraform fmt (checked with 1.11.4) unwraps one level of
// a nested interpolation-only string per run, and so does Format.
func TestNestedInterpolationTakesOneRunPerLevel(t *testing.T) {
	t.Parallel()
	runs := []string{
		"locals {\n  a = \"${\"${var.x}\"}\"\n  b = \"${\"${\"${var.y}\"}\"}\"\n}\n",
		"locals {\n  a = \"${var.x}\"\n  b = \"${\"${var.y}\"}\"\n}\n",
		"locals {\n  a = var.x\n  b = \"${var.y}\"\n}\n",
		"locals {\n  a = var.x\n  b = var.y\n}\n",
	}
	for i := 0; i+1 < len(runs); i++ {
		got, diags := Format([]byte(runs[i]), "x.tf")
		require.False(t, diags.HasErrors())
		require.Equal(t, runs[i+1], string(got), "run %d", i+1)
		require.Equal(t, strings.Count(runs[i], `"${"`) > 0, nestedInterpolations([]byte(runs[i])) > 0)
	}
	got, _ := Format([]byte(runs[len(runs)-1]), "x.tf")
	require.Equal(t, runs[len(runs)-1], string(got), "stable once no nesting is left")
}
