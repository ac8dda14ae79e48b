// Package tffmt formats Terraform native-syntax files the way
// `terraform fmt` does and reports the difference as a unified diff.
//
// hclwrite.Format alone is not enough: terraform fmt also unwraps
// interpolation-only strings ("${var.a}" becomes var.a), rewrites legacy
// type expressions in variable blocks ("string" becomes string, list becomes
// list(any), "list" becomes list(string)) and re-quotes block labels. The
// behaviour here was learnt by running terraform 1.11 on the corpus under
// testdata and is checked byte for byte against its output there.
//
// Formatting is idempotent (formatting formatted output changes nothing)
// with one exception, which is terraform fmt's own: a nested
// interpolation-only string such as "${"${var.a}"}" loses one level per run
// ("${var.a}" first, var.a on the next run), so a file with n levels needs
// n runs to become stable. Format does the same so that it keeps agreeing
// with terraform fmt byte for byte; FuzzFormat and
// TestNestedInterpolationTakesOneRunPerLevel pin both the property and the
// exception.
package tffmt

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src formatted as terraform fmt would write it. A file that
// does not parse is returned unchanged together with the syntax errors, as
// terraform fmt refuses to touch it.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return src, diags
	}
	f, diags := hclwrite.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return src, diags
	}
	normaliseBody(f.Body(), nil)
	return hclwrite.Format(f.Bytes()), nil
}

// Check formats src and reports whether it was already formatted.
func Check(src []byte, filename string) (formatted []byte, ok bool, diags hcl.Diagnostics) {
	out, diags := Format(src, filename)
	if diags.HasErrors() {
		return src, true, diags
	}
	return out, bytes.Equal(out, src), nil
}

func normaliseBody(body *hclwrite.Body, path []string) {
	for name, attr := range body.Attributes() {
		toks := attr.Expr().BuildTokens(nil)
		if name == "type" && len(path) == 1 && path[0] == "variable" {
			body.SetAttributeRaw(name, typeExpr(toks))
			continue
		}
		body.SetAttributeRaw(name, unwrapInterpolation(toks))
	}
	for _, b := range body.Blocks() {
		// Re-setting the labels drops comments between them and quotes
		// bare identifiers, as terraform fmt does.
		b.SetLabels(b.Labels())
		normaliseBody(b.Body(), append(path[:len(path):len(path)], b.Type()))
	}
}

// typeExpr rewrites the pre-0.12 spellings of variable types.
func typeExpr(toks hclwrite.Tokens) hclwrite.Tokens {
	switch {
	case len(toks) == 1 && toks[0].Type == hclsyntax.TokenIdent:
		switch string(toks[0].Bytes) {
		case "list", "map", "set":
			return collectionOf(string(toks[0].Bytes), "any")
		}
	case len(toks) == 3 && toks[0].Type == hclsyntax.TokenOQuote &&
		toks[1].Type == hclsyntax.TokenQuotedLit && toks[2].Type == hclsyntax.TokenCQuote:
		switch string(toks[1].Bytes) {
		case "string":
			return hclwrite.Tokens{ident("string")}
		case "list", "map":
			return collectionOf(string(toks[1].Bytes), "string")
		}
	}
	return toks
}

func collectionOf(kind, elem string) hclwrite.Tokens {
	return hclwrite.Tokens{
		ident(kind),
		{Type: hclsyntax.TokenOParen, Bytes: []byte("(")},
		ident(elem),
		{Type: hclsyntax.TokenCParen, Bytes: []byte(")")},
	}
}

func ident(s string) *hclwrite.Token {
	return &hclwrite.Token{Type: hclsyntax.TokenIdent, Bytes: []byte(s)}
}

// unwrapInterpolation turns "${ expr }" into expr when the string holds
// nothing but that one interpolation.
func unwrapInterpolation(toks hclwrite.Tokens) hclwrite.Tokens {
	n := len(toks)
	if n < 5 || toks[0].Type != hclsyntax.TokenOQuote || toks[1].Type != hclsyntax.TokenTemplateInterp ||
		toks[n-2].Type != hclsyntax.TokenTemplateSeqEnd || toks[n-1].Type != hclsyntax.TokenCQuote {
		return toks
	}
	inner := toks[2 : n-2]
	depth := 0 // nesting of quoted strings inside the interpolation
	for _, t := range inner {
		switch t.Type {
		case hclsyntax.TokenOQuote:
			depth++
			continue
		case hclsyntax.TokenCQuote:
			depth--
			continue
		}
		if depth > 0 {
			continue
		}
		switch t.Type {
		case hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenQuotedLit:
			// A second interpolation or literal text: "${a}${b}", "${a}-x".
			return toks
		}
	}
	for len(inner) > 0 && inner[0].Type == hclsyntax.TokenNewline {
		inner = inner[1:]
	}
	for len(inner) > 0 && inner[len(inner)-1].Type == hclsyntax.TokenNewline {
		inner = inner[:len(inner)-1]
	}
	multiLine := false
	for _, t := range inner {
		if t.Type == hclsyntax.TokenNewline {
			multiLine = true
			break
		}
	}
	parenthesised := len(inner) > 0 && inner[0].Type == hclsyntax.TokenOParen &&
		inner[len(inner)-1].Type == hclsyntax.TokenCParen
	if multiLine && !parenthesised {
		// A bare multi-line expression (a conditional split over lines) is
		// only valid inside parentheses once the quotes are gone.
		out := make(hclwrite.Tokens, 0, len(inner)+2)
		out = append(out, &hclwrite.Token{Type: hclsyntax.TokenOParen, Bytes: []byte("(")})
		out = append(out, inner...)
		return append(out, &hclwrite.Token{Type: hclsyntax.TokenCParen, Bytes: []byte(")")})
	}
	return inner
}
