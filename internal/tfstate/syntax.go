package tfstate

import (
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"
)

// This file is the small HCL reader drift-check uses instead of
// hashicorp/hcl: it keeps the block and attribute structure of a file and
// evaluates only literals (strings without interpolation, numbers, bools)
// and static references (var.region, tags["Owner"]). Any other expression
// is skipped as a run of tokens. Linking hcl/v2 and go-cty for this cost
// drift-check 1.6 MB (docs/adr/0008-binary-budget.md); validate, which
// evaluates Terraform, keeps hcl. TestSyntaxAgreesWithHCL holds this reader
// to hclsyntax on every Terraform file of the repository.

// tokKind is the kind of a token.
type tokKind int

const (
	tokEOF tokKind = iota
	tokNewline
	tokIdent
	tokNumber
	tokString // quoted string or heredoc
	tokPunct  // brackets, operators and other single symbols
)

// token is one lexical token. For a string, text is its value after escapes
// and dynamic reports an interpolation or directive in it.
type token struct {
	kind    tokKind
	text    string
	line    int
	dynamic bool
}

// lexer splits an HCL document into tokens.
type lexer struct {
	src  string
	pos  int
	line int
	file string
}

func lexHCL(file string, src []byte) ([]token, error) {
	lx := &lexer{src: string(src), line: 1, file: file}
	var out []token
	for {
		t, err := lx.next()
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, lx.line, err)
		}
		out = append(out, t)
		if t.kind == tokEOF {
			return out, nil
		}
	}
}

func (lx *lexer) peek(off int) byte {
	if lx.pos+off < len(lx.src) {
		return lx.src[lx.pos+off]
	}
	return 0
}

// next returns the next token, skipping blanks and comments.
func (lx *lexer) next() (token, error) {
	if err := lx.skipBlanks(); err != nil {
		return token{}, err
	}
	if lx.pos >= len(lx.src) {
		return token{kind: tokEOF, line: lx.line}, nil
	}
	c, line := lx.src[lx.pos], lx.line
	switch {
	case c == '\n':
		lx.pos++
		lx.line++
		return token{kind: tokNewline, line: line}, nil
	case c == '"':
		lx.pos++
		s, dyn, err := lx.quoted()
		return token{kind: tokString, text: s, dynamic: dyn, line: line}, err
	case c == '<' && lx.peek(1) == '<' && (isIdentStart(lx.peek(2)) || lx.peek(2) == '-'):
		s, dyn, err := lx.heredoc()
		return token{kind: tokString, text: s, dynamic: dyn, line: line}, err
	case c >= '0' && c <= '9':
		return token{kind: tokNumber, text: lx.number(), line: line}, nil
	case isIdentStart(c):
		start := lx.pos
		for lx.pos < len(lx.src) && isIdentPart(lx.src[lx.pos]) {
			lx.pos++
		}
		return token{kind: tokIdent, text: lx.src[start:lx.pos], line: line}, nil
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "=>", "&&", "||", "..."} {
		if strings.HasPrefix(lx.src[lx.pos:], op) {
			lx.pos += len(op)
			return token{kind: tokPunct, text: op, line: line}, nil
		}
	}
	_, size := utf8.DecodeRuneInString(lx.src[lx.pos:])
	lx.pos += size
	return token{kind: tokPunct, text: lx.src[lx.pos-size : lx.pos], line: line}, nil
}

// skipBlanks skips spaces and comments; a line comment leaves its newline.
func (lx *lexer) skipBlanks() error {
	for lx.pos < len(lx.src) {
		switch c := lx.src[lx.pos]; {
		case c == ' ' || c == '\t' || c == '\r':
			lx.pos++
		case c == '#' || (c == '/' && lx.peek(1) == '/'):
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '/' && lx.peek(1) == '*':
			end := strings.Index(lx.src[lx.pos+2:], "*/")
			if end < 0 {
				return fmt.Errorf("unterminated /* comment")
			}
			lx.line += strings.Count(lx.src[lx.pos:lx.pos+2+end], "\n")
			lx.pos += end + 4
		default:
			return nil
		}
	}
	return nil
}

func (lx *lexer) number() string {
	start := lx.pos
	digits := func() {
		for lx.pos < len(lx.src) && lx.src[lx.pos] >= '0' && lx.src[lx.pos] <= '9' {
			lx.pos++
		}
	}
	digits()
	if lx.peek(0) == '.' && lx.peek(1) >= '0' && lx.peek(1) <= '9' {
		lx.pos++
		digits()
	}
	if c := lx.peek(0); c == 'e' || c == 'E' {
		save := lx.pos
		lx.pos++
		if c := lx.peek(0); c == '+' || c == '-' {
			lx.pos++
		}
		if c := lx.peek(0); c >= '0' && c <= '9' {
			digits()
		} else {
			lx.pos = save
		}
	}
	return lx.src[start:lx.pos]
}

// quoted reads a quoted string after its opening quote: its value with
// escapes applied, and whether it holds a ${…} or %{…} sequence.
func (lx *lexer) quoted() (string, bool, error) {
	var b strings.Builder
	dynamic := false
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == '"':
			lx.pos++
			return b.String(), dynamic, nil
		case c == '\n':
			return "", false, fmt.Errorf("unterminated string")
		case c == '\\':
			if err := lx.escape(&b); err != nil {
				return "", false, err
			}
		case (c == '$' || c == '%') && lx.peek(1) == c && lx.peek(2) == '{':
			b.WriteString(string(c) + "{")
			lx.pos += 3
		case (c == '$' || c == '%') && lx.peek(1) == '{':
			dynamic = true
			lx.pos += 2
			if err := lx.skipTemplate(); err != nil {
				return "", false, err
			}
		default:
			b.WriteByte(c)
			lx.pos++
		}
	}
	return "", false, fmt.Errorf("unterminated string")
}

// escape applies the backslash escape at lx.pos.
func (lx *lexer) escape(b *strings.Builder) error {
	simple := map[byte]string{'n': "\n", 'r': "\r", 't': "\t", '"': "\"", '\\': "\\"}
	c := lx.peek(1)
	if s, ok := simple[c]; ok {
		b.WriteString(s)
		lx.pos += 2
		return nil
	}
	width := map[byte]int{'u': 4, 'U': 8}[c]
	if width == 0 || lx.pos+2+width > len(lx.src) {
		return fmt.Errorf("invalid escape sequence \\%c", c)
	}
	var r rune
	if _, err := fmt.Sscanf(lx.src[lx.pos+2:lx.pos+2+width], "%x", &r); err != nil {
		return fmt.Errorf("invalid escape sequence \\%c", c)
	}
	b.WriteRune(r)
	lx.pos += 2 + width
	return nil
}

// skipTemplate skips a template sequence after its "${" or "%{", up to and
// including the matching brace, stepping over nested strings.
func (lx *lexer) skipTemplate() error {
	depth := 1
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		lx.pos++
		switch c {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return nil
			}
		case '\n':
			lx.line++
		case '"':
			if _, _, err := lx.quoted(); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("unterminated template sequence")
}

// heredoc reads <<MARKER or <<-MARKER and its lines up to the closing
// marker. The indented form strips the smallest indentation of its lines.
func (lx *lexer) heredoc() (string, bool, error) {
	lx.pos += 2
	indent := lx.peek(0) == '-'
	if indent {
		lx.pos++
	}
	start := lx.pos
	for lx.pos < len(lx.src) && isIdentPart(lx.src[lx.pos]) {
		lx.pos++
	}
	marker := lx.src[start:lx.pos]
	if nl := strings.IndexByte(lx.src[lx.pos:], '\n'); nl < 0 || strings.TrimSpace(lx.src[lx.pos:lx.pos+nl]) != "" {
		return "", false, fmt.Errorf("heredoc marker %s must end its line", marker)
	} else {
		lx.pos += nl + 1
		lx.line++
	}
	var lines []string
	for lx.pos < len(lx.src) {
		end := strings.IndexByte(lx.src[lx.pos:], '\n')
		if end < 0 {
			end = len(lx.src) - lx.pos
		}
		l := lx.src[lx.pos : lx.pos+end]
		lx.pos += end
		if strings.TrimSpace(l) == marker {
			return heredocValue(lines, indent)
		}
		lines = append(lines, l+"\n")
		if lx.pos < len(lx.src) {
			lx.pos++
			lx.line++
		}
	}
	return "", false, fmt.Errorf("heredoc %s has no closing marker", marker)
}

// heredocValue joins the lines of a heredoc; escapes other than $${ and
// %%{ are not processed in heredocs.
func heredocValue(lines []string, indent bool) (string, bool, error) {
	if indent {
		lead := func(l string) int { return len(l) - len(strings.TrimLeft(l, " \t")) }
		strip := -1
		for _, l := range lines {
			if strings.TrimSpace(l) != "" && (strip < 0 || lead(l) < strip) {
				strip = lead(l)
			}
		}
		for i, l := range lines {
			if strings.TrimSpace(l) != "" {
				lines[i] = l[min(strip, lead(l)):]
			}
		}
	}
	s := strings.Join(lines, "")
	plain := strings.NewReplacer("$${", "", "%%{", "").Replace(s)
	dynamic := strings.Contains(plain, "${") || strings.Contains(plain, "%{")
	return strings.NewReplacer("$${", "${", "%%{", "%{").Replace(s), dynamic, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= utf8.RuneSelf
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c == '-' || (c >= '0' && c <= '9')
}

// hclBody is the structure of an HCL body: its attributes by name and its
// blocks in order.
type hclBody struct {
	attrs  map[string]*hclAttr
	blocks []*hclBlock
}

// hclBlock is one block: `type "label" … { body }`.
type hclBlock struct {
	typ    string
	labels []string
	body   *hclBody
	line   int
}

// hclAttr is one attribute: its name, the line it starts on and the
// tokens of its expression.
type hclAttr struct {
	name string
	line int
	expr []token
}

// parser builds hclBody values from tokens.
type parser struct {
	toks []token
	pos  int
	file string
}

// parseHCL reads the structure of an HCL file.
func parseHCL(file string, src []byte) (*hclBody, error) {
	toks, err := lexHCL(file, src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, file: file}
	b, err := p.body()
	if err != nil {
		return nil, err
	}
	if t := p.toks[p.pos]; t.kind != tokEOF {
		return nil, p.errorf(t, "unexpected %q", t.text)
	}
	return b, nil
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.file, t.line, fmt.Sprintf(format, args...))
}

// body reads attributes and blocks up to a closing brace or the end.
func (p *parser) body() (*hclBody, error) {
	b := &hclBody{attrs: map[string]*hclAttr{}}
	for {
		t := p.toks[p.pos]
		switch {
		case t.kind == tokNewline:
			p.pos++
			continue
		case t.kind == tokEOF || isPunct(t, "}"):
			return b, nil
		case t.kind != tokIdent:
			return nil, p.errorf(t, "expected an attribute or block name, found %q", t.text)
		}
		p.pos++
		if isPunct(p.toks[p.pos], "=") {
			p.pos++
			if _, dup := b.attrs[t.text]; dup {
				return nil, p.errorf(t, "attribute %q is defined twice", t.text)
			}
			expr, err := p.expression()
			if err != nil {
				return nil, err
			}
			b.attrs[t.text] = &hclAttr{name: t.text, line: t.line, expr: expr}
			continue
		}
		blk, err := p.block(t)
		if err != nil {
			return nil, err
		}
		b.blocks = append(b.blocks, blk)
	}
}

// block reads the labels and body of a block whose type token is typ.
func (p *parser) block(typ token) (*hclBlock, error) {
	blk := &hclBlock{typ: typ.text, line: typ.line}
	for {
		t := p.toks[p.pos]
		p.pos++
		switch {
		case t.kind == tokIdent || (t.kind == tokString && !t.dynamic):
			blk.labels = append(blk.labels, t.text)
		case isPunct(t, "{"):
			body, err := p.body()
			if err != nil {
				return nil, err
			}
			if c := p.toks[p.pos]; !isPunct(c, "}") {
				return nil, p.errorf(c, "block %s is not closed", blk.typ)
			}
			p.pos++
			blk.body = body
			return blk, nil
		default:
			return nil, p.errorf(t, "expected a label or { after %s, found %q", blk.typ, t.text)
		}
	}
}

// expression collects the tokens of an expression: up to a newline or a
// closing brace outside brackets.
func (p *parser) expression() ([]token, error) {
	var out []token
	var open []string
	for {
		t := p.toks[p.pos]
		switch {
		case t.kind == tokEOF:
			if len(open) > 0 {
				return nil, p.errorf(t, "missing %s", open[len(open)-1])
			}
			return out, nil
		case len(open) == 0 && (t.kind == tokNewline || isPunct(t, "}")):
			if len(out) == 0 {
				return nil, p.errorf(t, "missing expression after =")
			}
			return out, nil
		case t.kind == tokPunct && strings.Contains("([{", t.text):
			open = append(open, map[string]string{"(": ")", "[": "]", "{": "}"}[t.text])
		case t.kind == tokPunct && strings.Contains(")]}", t.text):
			if len(open) == 0 || open[len(open)-1] != t.text {
				return nil, p.errorf(t, "unexpected %q", t.text)
			}
			open = open[:len(open)-1]
		}
		p.pos++
		if t.kind != tokNewline {
			out = append(out, t)
		}
	}
}

// literalString is the value of an expression that is one string without
// interpolation.
func literalString(expr []token) (string, bool) {
	if len(expr) == 1 && expr[0].kind == tokString && !expr[0].dynamic {
		return expr[0].text, true
	}
	return "", false
}

// literalScalar is the text of a literal string, number (optionally
// negated) or bool, as HCL would evaluate it without variables.
func literalScalar(expr []token) (string, bool) {
	if s, ok := literalString(expr); ok {
		return s, true
	}
	neg := len(expr) == 2 && isPunct(expr[0], "-")
	if neg {
		expr = expr[1:]
	}
	if len(expr) != 1 {
		return "", false
	}
	switch t := expr[0]; {
	case t.kind == tokNumber:
		f, _, err := big.ParseFloat(t.text, 10, 512, big.ToNearestEven)
		if err != nil {
			return "", false
		}
		if neg {
			f.Neg(f)
		}
		return f.Text('f', -1), true
	case t.kind == tokIdent && !neg && (t.text == "true" || t.text == "false"):
		return t.text, true
	}
	return "", false
}

// indexStep stands for a number index in a traversal.
const indexStep = "\x00index"

// traversal reads a static reference such as var.region or
// tags["Owner"] as its steps; a number index is kept as indexStep.
func traversal(expr []token) ([]string, bool) {
	if len(expr) == 0 || expr[0].kind != tokIdent {
		return nil, false
	}
	steps := []string{expr[0].text}
	for i := 1; i < len(expr); {
		switch {
		case isPunct(expr[i], ".") && i+1 < len(expr) && expr[i+1].kind == tokIdent:
			steps = append(steps, expr[i+1].text)
			i += 2
		case isPunct(expr[i], "[") && i+2 < len(expr) && isPunct(expr[i+2], "]"):
			k := expr[i+1]
			switch {
			case k.kind == tokString && !k.dynamic:
				steps = append(steps, k.text)
			case k.kind == tokNumber:
				steps = append(steps, indexStep)
			default:
				return nil, false
			}
			i += 3
		default:
			return nil, false
		}
	}
	return steps, true
}

func isPunct(t token, s string) bool { return t.kind == tokPunct && t.text == s }

// listItems splits a [a, b, …] expression into its items.
func listItems(expr []token) ([][]token, bool) {
	if len(expr) < 2 || !isPunct(expr[0], "[") || !isPunct(expr[len(expr)-1], "]") {
		return nil, false
	}
	var items [][]token
	var cur []token
	depth := 0
	for _, t := range expr[1 : len(expr)-1] {
		if t.kind == tokPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			case ",":
				if depth == 0 {
					items = append(items, cur)
					cur = nil
					continue
				}
			}
		}
		cur = append(cur, t)
	}
	if len(cur) > 0 {
		items = append(items, cur)
	}
	for _, it := range items {
		if len(it) == 0 {
			return nil, false
		}
	}
	return items, true
}
