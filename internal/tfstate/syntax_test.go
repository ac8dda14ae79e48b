package tfstate

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

// syntaxCases are documents beside the repository's own Terraform that
// exercise the corners of the syntax: comments, heredocs, escapes, nested
// templates, one-line blocks and multi-line expressions.
var syntaxCases = map[string]string{
	"comments.tf": "# hash\n// slashes\n/* block\ncomment */ resource \"a\" \"b\" { # trailing\n  x = \"1\" // after\n}\n",
	"heredoc.tf":  "locals {\n  a = <<EOT\nline one\n  two\nEOT\n  b = <<-EOT\n    indented\n      more\n    EOT\n  c = <<EOT\n$${not} ${var.x}\nEOT\n}\n",
	"escapes.tf":  "locals {\n  a = \"tab\\tquote\\\" back\\\\ \\u00e9\"\n  b = \"$${lit} %%{lit}\"\n  c = \"x ${\"}\"} y\"\n  d = \"${var.a} and ${lookup(var.m, \"k\", \"}\")}\"\n}\n",
	"oneline.tf":  "resource \"aws_ecs_service\" \"w\" {\n  lifecycle { ignore_changes = [desired_count, tags[\"Owner\"], network_configuration[0].assign_public_ip] }\n}\nresource \"x\" \"y\" { lifecycle { ignore_changes = all } }\n",
	"multi.tf":    "locals {\n  m = {\n    a = 1\n    b = [\n      2, 3,\n    ]\n  }\n  f = [for s in var.l : upper(s) if s != \"\"]\n  g = var.a == 1 ? \"x\" : \"y\"\n  n = -2.50\n  e = 1e3\n  t = true\n  z = null\n}\n",
	"labels.tf":   "terraform {\n  backend \"s3\" {\n    bucket = \"b\"\n    key    = \"k\"\n  }\n}\nprovider aws { region = var.region }\nvariable \"region\" { default = \"eu-west-1\" }\n",
}

// TestSyntaxAgreesWithHCL holds the reader to hclsyntax on every Terraform
// file of the repository and on syntaxCases: the same blocks, labels and
// attributes on the same lines, and the same value wherever the reader
// takes an expression as a literal or a static reference.
func TestSyntaxAgreesWithHCL(t *testing.T) {
	t.Parallel()
	docs := map[string][]byte{}
	for name, src := range syntaxCases {
		docs[name] = []byte(src)
	}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".terraform") {
			return filepath.SkipDir
		}
		switch filepath.Ext(p) {
		case ".tf", ".tfvars", ".tfbackend", ".hcl":
			data, err := os.ReadFile(p)
			docs[p] = data
			return err
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, len(docs), 50, "the repository's Terraform files were not found")
	for name, src := range docs {
		want, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			continue // a deliberately broken fixture; hcl refuses it
		}
		got, err := parseHCL(name, src)
		require.NoError(t, err, name)
		compareBody(t, name, want.Body.(*hclsyntax.Body), got)
	}
}

func compareBody(t *testing.T, where string, want *hclsyntax.Body, got *hclBody) {
	t.Helper()
	require.Len(t, got.attrs, len(want.Attributes), where)
	for name, wa := range want.Attributes {
		ga, ok := got.attrs[name]
		require.True(t, ok, "%s: attribute %s missing", where, name)
		require.Equal(t, wa.SrcRange.Start.Line, ga.line, "%s: line of %s", where, name)
		compareValue(t, where+"."+name, wa.Expr, ga.expr)
	}
	require.Len(t, got.blocks, len(want.Blocks), where)
	for i, wb := range want.Blocks {
		gb := got.blocks[i]
		require.Equal(t, wb.Type, gb.typ, where)
		require.Equal(t, wb.Labels, gb.labels, where)
		require.Equal(t, wb.TypeRange.Start.Line, gb.line, where)
		compareBody(t, where+"/"+wb.Type, wb.Body, gb.body)
	}
}

func compareValue(t *testing.T, where string, want hclsyntax.Expression, got []token) {
	t.Helper()
	v, diags := want.Value(nil)
	known := !diags.HasErrors() && v.IsKnown() && !v.IsNull()
	if s, ok := literalScalar(got); ok {
		require.True(t, known, "%s: the reader takes %q as a literal, hcl does not", where, s)
		switch v.Type() {
		case cty.String:
			require.Equal(t, v.AsString(), s, where)
		case cty.Number:
			require.Equal(t, v.AsBigFloat().Text('f', -1), s, where)
		case cty.Bool:
			require.Equal(t, v.True(), s == "true", where)
		default:
			t.Fatalf("%s: the reader takes %q as a literal, hcl gives %s", where, s, v.Type().FriendlyName())
		}
	} else if known && (v.Type() == cty.String || v.Type() == cty.Number || v.Type() == cty.Bool) {
		// hcl also folds constant expressions (1 + 2, "${"x"}"); a lone
		// literal token must be read by the reader too.
		lone := len(got) == 1 && !got[0].dynamic || len(got) == 2 && isPunct(got[0], "-")
		require.False(t, lone, "%s: hcl evaluates a literal the reader does not", where)
	}
	if tr, diags := hcl.AbsTraversalForExpr(want); !diags.HasErrors() {
		steps, ok := traversal(got)
		require.True(t, ok, "%s: a reference hcl reads, the reader does not", where)
		require.Len(t, steps, len(tr), where)
		require.Equal(t, tr.RootName(), steps[0], where)
	}
	if list, diags := hcl.ExprList(want); !diags.HasErrors() {
		items, ok := listItems(got)
		require.True(t, ok || len(list) == 0, "%s: a list hcl reads, the reader does not", where)
		require.Len(t, items, len(list), where)
	}
}

// FuzzParseHCL: the reader never panics, its errors name the file, and a
// UTF-8 document both accept has the same structure in both.
func FuzzParseHCL(f *testing.F) {
	for _, src := range syntaxCases {
		f.Add([]byte(src))
	}
	f.Add([]byte("a = \"${\n"))
	f.Add([]byte("x {\n  y = [1,\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := parseHCL("f.tf", src)
		if err != nil {
			require.Contains(t, err.Error(), "f.tf:")
			return
		}
		want, diags := hclsyntax.ParseConfig(src, "f.tf", hcl.InitialPos)
		if diags.HasErrors() || !utf8.Valid(src) {
			return // the reader is more lenient than hcl; Terraform files are UTF-8
		}
		compareBody(t, "f.tf", want.Body.(*hclsyntax.Body), got)
	})
}

func TestSyntaxErrorsNameFileAndLine(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, src, want string }{
		{"unclosed block", "a {\n  b = 1\n", "x.tf:3: block a is not closed"},
		{"unterminated string", "a = \"open\n", "x.tf:1: unterminated string"},
		{"missing value", "a =\n", "x.tf:1: missing expression after ="},
		{"stray bracket", "a = 1)\n", "x.tf:1: unexpected \")\""},
		{"twice", "a = 1\na = 2\n", "x.tf:2: attribute \"a\" is defined twice"},
		{"heredoc", "a = <<EOT\nno end\n", "heredoc EOT has no closing marker"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseHCL("x.tf", []byte(tc.src))
			require.ErrorContains(t, err, tc.want)
		})
	}
}
