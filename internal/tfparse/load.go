package tfparse

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

// Module is the configuration in one directory.
type Module struct {
	// Dir is the module's directory.
	Dir string
	// Root is true for a module given as a root (not only called).
	Root bool
	// Files are the module's .tf and .tf.json files in name order.
	Files []*File
	// Blocks are the top-level blocks in file order.
	Blocks []*Block
	// Variables, Locals, Resources ("type.name"), DataSources ("type.name"),
	// ModuleCalls and Outputs index the declarations (first one wins).
	Variables   map[string]*Block
	Locals      map[string]*Attribute
	Resources   map[string]*Block
	DataSources map[string]*Block
	ModuleCalls map[string]*Block
	Outputs     map[string]*Block
	// Duplicates are declarations that repeat an earlier one.
	Duplicates []Duplicate
	// Children maps a module call name to the local module it loads.
	Children map[string]*Module
	// Eval resolves the module's expressions.
	Eval *Evaluator

	callers   []*moduleCall
	callInst  *Instance // the call instance of an expanded copy
	rootVals  map[string]cty.Value
	reader    func(string) ([]byte, error)
	rootOfDir string
}

type moduleCall struct {
	block  *Block
	caller *Module
}

// Duplicate is a second declaration of the same address.
type Duplicate struct {
	Address string
	First   hcl.Range
	Second  hcl.Range
}

// Tree is everything loaded from the given roots.
type Tree struct {
	// Modules holds every module, roots first, then called local modules,
	// in a stable order. A module called once with a known for_each or
	// count appears once per call instance (see expandCalls).
	Modules []*Module
	// VarFiles are the var files given in Options, with where each
	// variable is set.
	VarFiles []VarFile
}

// VarFile is one var file and the variables it sets.
type VarFile struct {
	Path string
	// Sets maps each variable name to the range of its name.
	Sets map[string]hcl.Range
}

// Files returns every file of every module (once, also when a module is
// expanded into several call instances).
func (t *Tree) Files() []*File {
	var out []*File
	seen := map[*File]bool{}
	for _, m := range t.Modules {
		for _, f := range m.Files {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// Options tune loading.
type Options struct {
	// VarFiles are .tfvars / .tfvars.json files applied to root modules, in
	// order (later files win), after terraform.tfvars and *.auto.tfvars.
	VarFiles []string
	// ReadFile reads a file; os.ReadFile when nil.
	ReadFile func(string) ([]byte, error)
	// PiecesFrom is the size in bytes from which a native-syntax file is
	// parsed in pieces (of at least 256 KiB, or PiecesFrom when smaller)
	// and its resources and data sources keep no syntax tree; 0 means
	// 1 MiB. Findings do not depend on it; only memory and time do.
	PiecesFrom int
}

// VarFileError is a var file that cannot be read or parsed.
type VarFileError struct {
	Path string
	Err  error
}

// Error names the file and the problem.
func (e *VarFileError) Error() string { return fmt.Sprintf("var file %s: %v", e.Path, e.Err) }

// Unwrap returns the underlying error.
func (e *VarFileError) Unwrap() error { return e.Err }

// Load reads the root module in each directory of roots and every local
// module they call.
func Load(roots []string, opts Options) (*Tree, error) {
	reader := opts.ReadFile
	if reader == nil {
		reader = osReadFile
	}
	var files []VarFile
	given, err := readVarFiles(opts.VarFiles, reader, &files)
	if err != nil {
		return nil, err
	}
	t := &Tree{VarFiles: files}
	byDir := map[string]*Module{}
	queue := []*Module{}
	for _, r := range roots {
		dir := filepath.Clean(r)
		if m, ok := byDir[dir]; ok {
			m.Root = true
			continue
		}
		m, err := loadModule(dir, reader, opts.PiecesFrom)
		if err != nil {
			return nil, err
		}
		m.Root = true
		m.rootOfDir = dir
		auto, err := autoVarFiles(dir, reader)
		if err != nil {
			return nil, err
		}
		m.rootVals = merge(auto, given)
		byDir[dir] = m
		t.Modules = append(t.Modules, m)
		queue = append(queue, m)
	}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		names := make([]string, 0, len(m.ModuleCalls))
		for n := range m.ModuleCalls {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			call := m.ModuleCalls[name]
			dir, ok := LocalSource(m, call)
			if !ok {
				continue
			}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				continue // reported by the structure rules
			}
			child, ok := byDir[dir]
			if !ok {
				child, err = loadModule(dir, reader, opts.PiecesFrom)
				if err != nil {
					return nil, err
				}
				child.rootOfDir = m.rootDir()
				byDir[dir] = child
				t.Modules = append(t.Modules, child)
				queue = append(queue, child)
			}
			m.Children[name] = child
			if child == m || calledBy(m, child, map[*Module]bool{}) {
				// A module cycle (terraform refuses it): the call's
				// arguments stay unknown rather than recurse forever.
				continue
			}
			child.callers = append(child.callers, &moduleCall{block: call, caller: m})
		}
	}
	t.Modules = expandCalls(t.Modules)
	return t, nil
}

// expandCalls replaces a module called once with a known for_each or
// count by one copy per call instance, so that each.value and count.index
// flow into the copy's variables (a service module called for every
// service is checked with every service's sizes). Copies share files and
// blocks; identical findings of several copies are merged by the rules.
func expandCalls(mods []*Module) []*Module {
	out := make([]*Module, 0, len(mods))
	for _, m := range mods {
		if m.Root || len(m.callers) != 1 {
			out = append(out, m)
			continue
		}
		c := m.callers[0]
		if c.block.Attr("for_each") == nil && c.block.Attr("count") == nil {
			out = append(out, m)
			continue
		}
		insts := c.caller.Eval.Instances(c.block)
		if len(insts) == 0 || insts[0].Key == "" {
			out = append(out, m) // unknown (or no) instances: values stay unknown
			continue
		}
		for _, inst := range insts {
			cp := *m
			cp.callInst = inst
			cp.Eval = newEvaluator(&cp, m.reader)
			out = append(out, &cp)
		}
	}
	return out
}

// LocalSource returns the directory of a module call with a local source
// ("./x", "../x").
func LocalSource(m *Module, call *Block) (string, bool) {
	a := call.Attr("source")
	if a == nil {
		return "", false
	}
	// Terraform requires a literal source, so no evaluation context is
	// needed (and none must be built before every caller is known).
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return "", false
	}
	src := v.AsString()
	if !(strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")) {
		return "", false
	}
	return filepath.Clean(filepath.Join(m.Dir, src)), true
}

func (m *Module) rootDir() string {
	if m.rootOfDir != "" {
		return m.rootOfDir
	}
	return m.Dir
}

// givenValue is the value of variable name supplied from outside the
// module, if any.
func (m *Module) givenValue(name string) (cty.Value, bool) {
	if m.Root {
		v, ok := m.rootVals[name]
		return v, ok
	}
	if len(m.callers) == 0 {
		return cty.NilVal, false
	}
	if m.callInst != nil {
		if a := m.callers[0].block.Attr(name); a != nil {
			return m.callInst.Eval(a.Expr), true
		}
		return cty.NilVal, false
	}
	var v cty.Value
	set := false
	for _, c := range m.callers {
		a := c.block.Attr(name)
		if a == nil {
			continue
		}
		if set || len(m.callers) > 1 {
			// Several callers: which value applies depends on the call.
			return cty.DynamicVal, true
		}
		v, set = c.caller.Eval.Eval(a.Expr), true
	}
	return v, set
}

func loadModule(dir string, reader func(string) ([]byte, error), piecesFrom int) (*Module, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read module directory %s: %w", dir, err)
	}
	m := &Module{
		Dir: dir, Variables: map[string]*Block{}, Locals: map[string]*Attribute{},
		Resources: map[string]*Block{}, DataSources: map[string]*Block{}, ModuleCalls: map[string]*Block{},
		Outputs: map[string]*Block{}, Children: map[string]*Module{}, reader: reader,
	}
	m.Eval = newEvaluator(m, reader)
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if strings.HasSuffix(n, ".tf") || strings.HasSuffix(n, ".tf.json") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	files := make([]*File, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := filepath.Join(dir, n)
			src, err := reader(p)
			if err != nil {
				errs[i] = fmt.Errorf("cannot read %s: %w", p, err)
				return
			}
			files[i] = parseFile(p, src, piecesFrom)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, f := range files {
		m.Files = append(m.Files, f)
		m.addFile(f)
	}
	return m, nil
}

// ParseFile parses one .tf or .tf.json file. Syntax errors are kept in
// File.Diags.
func ParseFile(path string, src []byte) *File { return parseFile(path, src, 0) }

// parseFile is ParseFile with the size from which a file is parsed in
// pieces (0: chunkThreshold).
func parseFile(path string, src []byte, piecesFrom int) *File {
	if piecesFrom <= 0 {
		piecesFrom = chunkThreshold
	}
	f := &File{Path: path, Src: src, JSON: strings.HasSuffix(path, ".json")}
	if f.JSON {
		hf, diags := hcljson.Parse(src, path)
		f.Diags = diags
		if hf != nil {
			f.body = hf.Body
		}
		return f
	}
	var top []*Block
	var spans []Span
	visit := func(piece *hclsyntax.Body) {
		collectSpans(piece, &spans)
		for _, b := range piece.Blocks {
			if b.Type == "resource" || b.Type == "data" {
				top = append(top, newLazyBlock(b, f))
			} else {
				top = append(top, newSynBlock(b, f, nil))
			}
		}
	}
	hf, diags, cuts, pieces := parseNative(path, src, piecesFrom, min(chunkSize, piecesFrom), visit)
	f.Diags, f.cuts = diags, cuts
	if hf == nil {
		return f
	}
	f.body = hf.Body
	if pieces {
		f.top, f.blockSpans = top, spans
	} else if sb, ok := hf.Body.(*hclsyntax.Body); ok {
		collectSpans(sb, &f.blockSpans)
	}
	sort.Slice(f.blockSpans, func(i, j int) bool { return f.blockSpans[i].Start < f.blockSpans[j].Start })
	return f
}

func collectSpans(b *hclsyntax.Body, out *[]Span) {
	for _, blk := range b.Blocks {
		r := blk.Range()
		*out = append(*out, Span{Start: r.Start.Line, End: r.End.Line})
		collectSpans(blk.Body, out)
	}
}

var topSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "terraform"}, {Type: "locals"},
	{Type: "resource", LabelNames: []string{"type", "name"}},
	{Type: "data", LabelNames: []string{"type", "name"}},
	{Type: "module", LabelNames: []string{"name"}},
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "output", LabelNames: []string{"name"}},
	{Type: "provider", LabelNames: []string{"name"}},
	{Type: "moved"}, {Type: "import"}, {Type: "removed"},
	{Type: "check", LabelNames: []string{"name"}},
	{Type: "ephemeral", LabelNames: []string{"type", "name"}},
}}

func (m *Module) addFile(f *File) {
	if f.body == nil {
		return
	}
	var blocks []*Block
	if f.top != nil {
		blocks = f.top
	} else if sb, ok := f.body.(*hclsyntax.Body); ok {
		for _, b := range sb.Blocks {
			blocks = append(blocks, newSynBlock(b, f, nil))
		}
	} else {
		content, _, _ := f.body.PartialContent(topSchema)
		if content != nil {
			for _, b := range content.Blocks {
				blocks = append(blocks, &Block{Type: b.Type, Labels: b.Labels, File: f, DefRange: b.DefRange, Range: b.DefRange, body: b.Body})
			}
		}
		sort.SliceStable(blocks, func(i, j int) bool { return blocks[i].DefRange.Start.Byte < blocks[j].DefRange.Start.Byte })
	}
	for _, b := range blocks {
		m.Blocks = append(m.Blocks, b)
		switch b.Type {
		case "variable":
			m.declare(m.Variables, b.Name(), b)
		case "resource":
			if len(b.Labels) == 2 {
				m.declare(m.Resources, b.Labels[0]+"."+b.Labels[1], b)
			}
		case "data":
			if len(b.Labels) == 2 {
				m.declare(m.DataSources, b.Labels[0]+"."+b.Labels[1], b)
			}
		case "module":
			m.declare(m.ModuleCalls, b.Name(), b)
		case "output":
			m.declare(m.Outputs, b.Name(), b)
		case "locals":
			for _, a := range b.Attrs() {
				if prev, dup := m.Locals[a.Name]; dup {
					m.Duplicates = append(m.Duplicates, Duplicate{Address: "local." + a.Name, First: prev.NameRange, Second: a.NameRange})
					continue
				}
				m.Locals[a.Name] = a
			}
		}
	}
}

func (m *Module) declare(index map[string]*Block, key string, b *Block) {
	if prev, dup := index[key]; dup {
		m.Duplicates = append(m.Duplicates, Duplicate{Address: b.Address(), First: prev.DefRange, Second: b.DefRange})
		return
	}
	index[key] = b
}

// ResourcesOfType returns the resources of one type in file order.
func (m *Module) ResourcesOfType(typ string) []*Block {
	var out []*Block
	for _, b := range m.Blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == typ {
			out = append(out, b)
		}
	}
	return out
}

// DataOfType returns the data sources of one type in file order.
func (m *Module) DataOfType(typ string) []*Block {
	var out []*Block
	for _, b := range m.Blocks {
		if b.Type == "data" && len(b.Labels) == 2 && b.Labels[0] == typ {
			out = append(out, b)
		}
	}
	return out
}

// BlocksOfType returns the top-level blocks of one type (terraform,
// provider ...) in file order.
func (m *Module) BlocksOfType(typ string) []*Block {
	var out []*Block
	for _, b := range m.Blocks {
		if b.Type == typ {
			out = append(out, b)
		}
	}
	return out
}

func autoVarFiles(dir string, reader func(string) ([]byte, error)) (map[string]cty.Value, error) {
	var files []string
	if _, err := os.Stat(filepath.Join(dir, "terraform.tfvars")); err == nil {
		files = append(files, filepath.Join(dir, "terraform.tfvars"))
	}
	if _, err := os.Stat(filepath.Join(dir, "terraform.tfvars.json")); err == nil {
		files = append(files, filepath.Join(dir, "terraform.tfvars.json"))
	}
	auto, _ := filepath.Glob(filepath.Join(dir, "*.auto.tfvars"))
	autoJSON, _ := filepath.Glob(filepath.Join(dir, "*.auto.tfvars.json"))
	auto = append(auto, autoJSON...)
	sort.Strings(auto)
	return readVarFiles(append(files, auto...), reader, nil)
}

// readVarFiles reads .tfvars files in order; later files win.
// When files is not nil, each file's variable names are recorded in it.
func readVarFiles(paths []string, reader func(string) ([]byte, error), files *[]VarFile) (map[string]cty.Value, error) {
	out := map[string]cty.Value{}
	for _, p := range paths {
		src, err := reader(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &VarFileError{Path: p, Err: errors.New("file does not exist")}
			}
			return nil, &VarFileError{Path: p, Err: err}
		}
		var body hcl.Body
		var diags hcl.Diagnostics
		if strings.HasSuffix(p, ".json") {
			var f *hcl.File
			f, diags = hcljson.Parse(src, p)
			if f != nil {
				body = f.Body
			}
		} else {
			var f *hcl.File
			f, diags = hclsyntax.ParseConfig(src, p, hcl.InitialPos)
			if f != nil {
				body = f.Body
			}
		}
		if diags.HasErrors() {
			return nil, &VarFileError{Path: p, Err: errors.New(diags.Error())}
		}
		attrs, diags := body.JustAttributes()
		if diags.HasErrors() {
			return nil, &VarFileError{Path: p, Err: errors.New(diags.Error())}
		}
		vf := VarFile{Path: p, Sets: map[string]hcl.Range{}}
		for name, a := range attrs {
			vf.Sets[name] = a.NameRange
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				return nil, &VarFileError{Path: p, Err: fmt.Errorf("variable %s: %s", name, diags.Error())}
			}
			out[name] = v
		}
		if files != nil {
			*files = append(*files, vf)
		}
	}
	return out, nil
}

func merge(a, b map[string]cty.Value) map[string]cty.Value {
	out := make(map[string]cty.Value, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// calledBy reports whether m is (transitively) called by ancestor.
func calledBy(m, ancestor *Module, seen map[*Module]bool) bool {
	if seen[m] {
		return false
	}
	seen[m] = true
	for _, c := range m.callers {
		if c.caller == ancestor || calledBy(c.caller, ancestor, seen) {
			return true
		}
	}
	return false
}
