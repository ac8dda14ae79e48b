package tffmt

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// CheckParsed is Check for a file already known to parse. Most files in a
// repository are formatted, so it first lexes the file and, when nothing in
// it needs one of terraform fmt's rewrites, compares it with
// hclwrite.Format alone; only files that differ (or might need a rewrite)
// take the full hclwrite tree path. The result is the same as Check's.
func CheckParsed(src []byte, filename string) (formatted []byte, ok bool) {
	toks, diags := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	if !diags.HasErrors() && !mayNeedRewrite(toks) {
		if out := hclwrite.Format(src); bytes.Equal(out, src) {
			return src, true
		}
	}
	f, diags := hclwrite.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return src, true
	}
	normaliseBody(f.Body(), nil)
	out := hclwrite.Format(f.Bytes())
	return out, bytes.Equal(out, src)
}

// mayNeedRewrite is true when the tokens hold something terraform fmt may
// rewrite beyond hclwrite.Format: an interpolation-only string, a legacy
// type expression, an unquoted or commented block label, or an escaped
// quoted literal. It errs on the side of true.
func mayNeedRewrite(toks hclsyntax.Tokens) bool {
	lineStart := true
	for i, t := range toks {
		next := func(k int) hclsyntax.TokenType {
			if i+k < len(toks) {
				return toks[i+k].Type
			}
			return hclsyntax.TokenEOF
		}
		switch t.Type {
		case hclsyntax.TokenEqual:
			if next(1) == hclsyntax.TokenOQuote && next(2) == hclsyntax.TokenTemplateInterp && interpolationOnly(toks[i+2:]) {
				return true
			}
		case hclsyntax.TokenIdent:
			if string(t.Bytes) == "type" && next(1) == hclsyntax.TokenEqual {
				switch next(2) {
				case hclsyntax.TokenOQuote:
					return true
				case hclsyntax.TokenIdent:
					switch string(toks[i+2].Bytes) {
					case "list", "map", "set":
						return true
					}
				}
			}
			if lineStart && next(1) == hclsyntax.TokenIdent {
				return true // an unquoted block label (or a for expression)
			}
		case hclsyntax.TokenComment:
			if !bytes.HasSuffix(t.Bytes, []byte("\n")) && next(1) != hclsyntax.TokenNewline && next(1) != hclsyntax.TokenEOF {
				return true // an inline /* */ comment, maybe between labels
			}
		case hclsyntax.TokenQuotedLit:
			if bytes.ContainsAny(t.Bytes, `\$%`) {
				return true
			}
		}
		lineStart = t.Type == hclsyntax.TokenNewline || t.Type == hclsyntax.TokenOBrace ||
			(t.Type == hclsyntax.TokenComment && bytes.HasSuffix(t.Bytes, []byte("\n")))
	}
	return false
}

// interpolationOnly reports whether the template starting at toks[0] (a
// "${") ends its first interpolation right before the closing quote, as in
// "${var.a}" but not "${var.a}-x".
func interpolationOnly(toks hclsyntax.Tokens) bool {
	depth := 0
	for i, t := range toks {
		switch t.Type {
		case hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			depth++
		case hclsyntax.TokenTemplateSeqEnd:
			depth--
			if depth == 0 {
				return i+1 < len(toks) && toks[i+1].Type == hclsyntax.TokenCQuote
			}
		case hclsyntax.TokenEOF:
			return true
		}
	}
	return true
}

// CheckPieces is CheckParsed for a large file cut into pieces at cuts, the
// byte offsets of lines that follow a top-level block's closing brace alone
// on its line (tfparse.File.Cuts). Formatting never looks across such a
// line: it ends every alignment run and closes every bracket, so each
// piece is formatted on its own and the results are joined; memory is
// bounded by the largest piece instead of the file. With no cuts it is
// CheckParsed.
func CheckPieces(src []byte, filename string, cuts []int) (formatted []byte, ok bool) {
	if len(cuts) == 0 {
		return CheckParsed(src, filename)
	}
	bounds := append(append([]int{0}, cuts...), len(src))
	var out []byte
	for i := 0; i+1 < len(bounds); i++ {
		piece := src[bounds[i]:bounds[i+1]]
		f, pieceOK := CheckParsed(piece, filename)
		if !pieceOK && out == nil {
			out = append(make([]byte, 0, len(src)+len(src)/16), src[:bounds[i]]...)
		}
		if out != nil {
			out = append(out, f...)
		}
	}
	if out == nil {
		return src, true
	}
	return out, false
}
