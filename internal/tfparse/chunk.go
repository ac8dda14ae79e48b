package tfparse

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Large native-syntax files are parsed in pieces. hclsyntax lexes a whole
// file into tokens of about 100 bytes each (some 20 per line) before it
// parses; for a 25 MB file of 100 000 resources that is half a gigabyte
// held at once beside the syntax tree. Cut at top-level block boundaries,
// only one piece's tokens are alive at a time. The syntax tree itself is
// about 16 times the source, so the trees of resources and data sources in
// such a file are not kept either: each is parsed again from the source
// when a rule reads it (see lazyBody).
const (
	// chunkThreshold is the size from which a file is parsed in pieces;
	// smaller files are parsed whole, as before.
	chunkThreshold = 1 << 20
	// chunkSize is the least size of a piece.
	chunkSize = 256 << 10
	// chunkRetries bounds how often a piece that does not parse on its own
	// is extended to the next candidate cut before the whole file is
	// parsed in one go.
	chunkRetries = 8
)

// parseNative parses a native-syntax file, in pieces when it is large. A
// piece that does not parse cleanly on its own (a cut inside a heredoc or a
// comment, or a real syntax error) makes the file be parsed whole, so
// diagnostics are those of the whole file.
//
// When the file is parsed in pieces, each piece's body is handed to visit
// as soon as it is parsed, and the returned body holds only the top-level
// attributes: the caller keeps what it needs of each piece's blocks, and
// the rest of the piece's tree can be collected before the next piece is
// parsed. pieces reports whether that happened; when it is false the
// result is hclsyntax.ParseConfig's, and whatever visit kept of pieces
// seen before a failing one must be dropped. cuts are the byte offsets
// where pieces begin; each is the start of a line that follows a top-level
// closing brace alone on its line.
func parseNative(path string, src []byte, threshold, size int, visit func(*hclsyntax.Body)) (f *hcl.File, diags hcl.Diagnostics, cuts []int, pieces bool) {
	if len(src) >= threshold {
		if body, cuts, ok := parsePieces(path, src, size, visit); ok {
			return &hcl.File{Body: body, Bytes: src}, nil, cuts, true
		}
	}
	f, diags = hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	return f, diags, nil, false
}

// parsePieces parses src piece by piece, hands each piece to visit and
// joins the top-level attributes; ok is false when a piece keeps failing
// or a top-level attribute repeats across pieces (which only the
// whole-file parse reports).
func parsePieces(path string, src []byte, size int, visit func(*hclsyntax.Body)) (*hclsyntax.Body, []int, bool) {
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	var cuts []int
	start, line := 0, 1
	for start < len(src) {
		end := nextCut(src, start+size)
		var piece *hclsyntax.Body
		for try := 0; ; try++ {
			f, diags := hclsyntax.ParseConfig(src[start:end], path, hcl.Pos{Line: line, Column: 1, Byte: start})
			if !diags.HasErrors() {
				piece = f.Body.(*hclsyntax.Body)
				break
			}
			if end == len(src) || try == chunkRetries {
				return nil, nil, false
			}
			end = nextCut(src, end+1)
		}
		if start > 0 {
			cuts = append(cuts, start)
		} else {
			body.SrcRange.Start = piece.SrcRange.Start
		}
		for name, a := range piece.Attributes {
			if _, dup := body.Attributes[name]; dup {
				return nil, nil, false
			}
			body.Attributes[name] = a
		}
		visit(piece)
		body.SrcRange.End, body.EndRange = piece.SrcRange.End, piece.EndRange
		body.SrcRange.Filename = path
		line += bytes.Count(src[start:end], []byte("\n"))
		start = end
	}
	return body, cuts, true
}

// nextCut returns the first candidate cut at or after from: the offset
// just after a line holding only "}" (the end of a top-level block in a
// formatted file), or len(src).
func nextCut(src []byte, from int) int {
	if from >= len(src) {
		return len(src)
	}
	i := max(from-2, 0)
	j := bytes.Index(src[i:], []byte("\n}\n"))
	if j < 0 {
		return len(src)
	}
	return i + j + 3
}
