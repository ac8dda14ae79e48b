package tfparse

import (
	"slices"
	"sort"
	"sync"
	"weak"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// File is one parsed configuration file.
type File struct {
	// Path is the file's path as found (relative to the working directory
	// when the root was given relatively).
	Path string
	// Src is the file's content.
	Src []byte
	// JSON is true for .tf.json files.
	JSON bool
	// Diags holds the parse diagnostics; a file with errors has an empty
	// (or partial) body.
	Diags hcl.Diagnostics
	body  hcl.Body
	// blockSpans are the line spans of every block, nested ones included,
	// used to scope inline suppressions.
	blockSpans []Span
	// cuts are where the pieces of a file parsed in pieces begin.
	cuts []int
	// top are the top-level blocks of a file parsed in pieces, in file
	// order (body then holds only the top-level attributes).
	top []*Block
}

// Cuts returns the byte offsets at which a large file was cut into pieces
// for parsing (nil for a file parsed whole). Each is the start of a line
// right after a top-level block's closing brace, so the pieces can also be
// formatted one by one (see tffmt.CheckPieces).
func (f *File) Cuts() []int { return f.cuts }

// Span is a range of lines, both inclusive.
type Span struct{ Start, End int }

// BlockStartingAt returns the span of the block whose header is on line, if
// any.
func (f *File) BlockStartingAt(line int) (Span, bool) {
	i := sort.Search(len(f.blockSpans), func(i int) bool { return f.blockSpans[i].Start >= line })
	if i < len(f.blockSpans) && f.blockSpans[i].Start == line {
		return f.blockSpans[i], true
	}
	return Span{}, false
}

// Block is a configuration block (resource, module, a nested block ...) in
// either syntax.
type Block struct {
	Type     string
	Labels   []string
	File     *File
	DefRange hcl.Range
	Range    hcl.Range
	Parent   *Block
	// Dynamic is true for the content of a dynamic block.
	Dynamic bool
	// ForEach is the for_each of the dynamic block that generates this
	// content (nil for static blocks).
	ForEach hcl.Expression
	body    hcl.Body
	syn     *hclsyntax.Body
	// lazy is set instead of body and syn for a resource or data source of
	// a file parsed in pieces.
	lazy *lazyBody
}

// lazyBody is the body of a top-level block whose syntax tree is not kept:
// it is parsed again from the block's source when read, and the tree is
// then held only as long as something uses it (a weak pointer lets the
// garbage collector take it back). A flat stack of 100 000 resources keeps
// its 25 MB of source instead of some 400 MB of trees.
type lazyBody struct {
	mu   sync.Mutex
	src  []byte  // from the block's type keyword to its closing brace
	pos  hcl.Pos // where src starts in the file
	path string
	// attrs are the names of the body's attributes, sorted: asking for one
	// it does not have (for_each, count and most optional settings) needs
	// no parse.
	attrs []string
	tree  weak.Pointer[hclsyntax.Body]
}

// get returns the block's body, parsing it again when the last parse has
// been collected. The block parsed cleanly as part of its piece, and the
// same bytes at the same position give the same tree and ranges.
func (l *lazyBody) get() *hclsyntax.Body {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.tree.Value(); b != nil {
		return b
	}
	f, _ := hclsyntax.ParseConfig(l.src, l.path, l.pos)
	b := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	if sb, ok := f.Body.(*hclsyntax.Body); ok && len(sb.Blocks) == 1 {
		b = sb.Blocks[0].Body
	}
	l.tree = weak.Make(b)
	return b
}

// synBody is the block's native-syntax body, or nil for JSON.
func (b *Block) synBody() *hclsyntax.Body {
	if b.lazy != nil {
		return b.lazy.get()
	}
	return b.syn
}

// Attribute is one attribute of a block.
type Attribute struct {
	Name      string
	Expr      hcl.Expression
	Range     hcl.Range
	NameRange hcl.Range
	File      *File
}

// Name returns the block's last label ("app" for resource "aws_x" "app").
func (b *Block) Name() string {
	if len(b.Labels) == 0 {
		return ""
	}
	return b.Labels[len(b.Labels)-1]
}

// Address returns the Terraform address of a top-level block:
// aws_ecs_service.app, data.aws_iam_policy_document.x, module.vpc, var.x.
func (b *Block) Address() string {
	switch b.Type {
	case "resource":
		if len(b.Labels) == 2 {
			return b.Labels[0] + "." + b.Labels[1]
		}
	case "data":
		if len(b.Labels) == 2 {
			return "data." + b.Labels[0] + "." + b.Labels[1]
		}
	case "module":
		return "module." + b.Name()
	case "variable":
		return "var." + b.Name()
	case "output":
		return "output." + b.Name()
	}
	addr := b.Type
	for _, l := range b.Labels {
		addr += "." + l
	}
	return addr
}

// Attr returns the named attribute, or nil.
func (b *Block) Attr(name string) *Attribute {
	if b.lazy != nil {
		if _, ok := slices.BinarySearch(b.lazy.attrs, name); !ok {
			return nil
		}
	}
	if syn := b.synBody(); syn != nil {
		a, ok := syn.Attributes[name]
		if !ok {
			return nil
		}
		return &Attribute{Name: name, Expr: a.Expr, Range: a.SrcRange, NameRange: a.NameRange, File: b.File}
	}
	if b.body == nil {
		return nil
	}
	content, _, diags := b.body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: name}}})
	if diags.HasErrors() || content == nil {
		return nil
	}
	a, ok := content.Attributes[name]
	if !ok {
		return nil
	}
	return &Attribute{Name: name, Expr: a.Expr, Range: a.Range, NameRange: a.NameRange, File: b.File}
}

// Attrs returns all attributes of a block whose body holds only attributes
// (locals, a JSON object). For native syntax, nested blocks are ignored.
func (b *Block) Attrs() []*Attribute {
	var out []*Attribute
	if syn := b.synBody(); syn != nil {
		for name, a := range syn.Attributes {
			out = append(out, &Attribute{Name: name, Expr: a.Expr, Range: a.SrcRange, NameRange: a.NameRange, File: b.File})
		}
	} else if b.body != nil {
		attrs, _ := b.body.JustAttributes()
		for name, a := range attrs {
			out = append(out, &Attribute{Name: name, Expr: a.Expr, Range: a.Range, NameRange: a.NameRange, File: b.File})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Range.Start.Byte < out[j].Range.Start.Byte })
	return out
}

// Blocks returns the nested blocks of type typ, static ones first, then
// the content of dynamic "typ" blocks (marked Dynamic).
func (b *Block) Blocks(typ string) []*Block {
	var out []*Block
	if syn := b.synBody(); syn != nil {
		for _, nb := range syn.Blocks {
			switch {
			case nb.Type == typ:
				out = append(out, newSynBlock(nb, b.File, b))
			case nb.Type == "dynamic" && len(nb.Labels) == 1 && nb.Labels[0] == typ:
				for _, c := range nb.Body.Blocks {
					if c.Type == "content" {
						cb := newSynBlock(c, b.File, b)
						cb.Type, cb.Dynamic = typ, true
						if fe, ok := nb.Body.Attributes["for_each"]; ok {
							cb.ForEach = fe.Expr
						}
						out = append(out, cb)
					}
				}
			}
		}
		return out
	}
	if b.body == nil {
		return nil
	}
	content, _, _ := b.body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: typ}}})
	if content != nil {
		for _, nb := range content.Blocks {
			out = append(out, &Block{Type: nb.Type, Labels: nb.Labels, File: b.File, DefRange: nb.DefRange, Range: nb.DefRange, Parent: b, body: nb.Body})
		}
	}
	dyn, _, _ := b.body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "dynamic", LabelNames: []string{"type"}}}})
	if dyn != nil {
		for _, d := range dyn.Blocks {
			if d.Labels[0] != typ {
				continue
			}
			c, _, _ := d.Body.PartialContent(&hcl.BodySchema{
				Attributes: []hcl.AttributeSchema{{Name: "for_each"}},
				Blocks:     []hcl.BlockHeaderSchema{{Type: "content"}},
			})
			if c == nil {
				continue
			}
			var fe hcl.Expression
			if a, ok := c.Attributes["for_each"]; ok {
				fe = a.Expr
			}
			for _, cb := range c.Blocks {
				out = append(out, &Block{Type: typ, File: b.File, DefRange: d.DefRange, Range: d.DefRange, Parent: b, body: cb.Body, Dynamic: true, ForEach: fe})
			}
		}
	}
	return out
}

// Block returns the first nested block of type typ, or nil.
func (b *Block) Block(typ string) *Block {
	bs := b.Blocks(typ)
	if len(bs) == 0 {
		return nil
	}
	return bs[0]
}

// AllBlocks returns every nested block in native syntax (not for JSON, where
// blocks cannot be told from object attributes without a schema).
func (b *Block) AllBlocks() []*Block {
	syn := b.synBody()
	if syn == nil {
		return nil
	}
	out := make([]*Block, 0, len(syn.Blocks))
	for _, nb := range syn.Blocks {
		out = append(out, newSynBlock(nb, b.File, b))
	}
	return out
}

// Body returns the block's HCL body.
func (b *Block) Body() hcl.Body {
	if b.lazy != nil {
		return b.lazy.get()
	}
	return b.body
}

// newLazyBlock is newSynBlock for a top-level resource or data source of a
// file parsed in pieces: the block keeps its header and ranges, and its
// body is parsed again from the source when read.
func newLazyBlock(nb *hclsyntax.Block, f *File) *Block {
	r := nb.Range()
	attrs := make([]string, 0, len(nb.Body.Attributes))
	for name := range nb.Body.Attributes {
		attrs = append(attrs, name)
	}
	slices.Sort(attrs)
	return &Block{
		Type: nb.Type, Labels: nb.Labels, File: f,
		DefRange: nb.DefRange(), Range: r,
		lazy: &lazyBody{src: f.Src[r.Start.Byte:r.End.Byte], pos: r.Start, path: r.Filename, attrs: attrs},
	}
}

func newSynBlock(nb *hclsyntax.Block, f *File, parent *Block) *Block {
	return &Block{
		Type: nb.Type, Labels: nb.Labels, File: f,
		DefRange: nb.DefRange(), Range: nb.Range(), Parent: parent,
		body: nb.Body, syn: nb.Body,
	}
}
