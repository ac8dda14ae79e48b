package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Source is one directory of .rego files; Name is how its files are
// named in errors and findings (a workspace-relative directory).
type Source struct {
	Name string
	FS   fs.FS
}

// Engine holds compiled policies and their data, ready to evaluate.
type Engine struct {
	compiler *ast.Compiler
	data     map[string]any
	rules    []ruleRef
}

// ruleRef is one conftest-style rule found in an evaluated package.
type ruleRef struct {
	pkg  string // "main", "ecsflow.tags"
	name string // "deny", "warn_size"
	kind Kind
}

// Kind is what a rule's name says about its results.
type Kind int

// Rule kinds: deny and violation fail, warn warns.
const (
	Deny Kind = iota + 1
	Warn
)

// Error is a policy that cannot be loaded, compiled or evaluated; File and
// Line point at the policy source when OPA knows them.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	}
	return e.Msg
}

// Options tune New.
type Options struct {
	// Namespaces are the packages whose deny/violation/warn rules are
	// evaluated (default main); "*" evaluates every package.
	Namespaces []string
	// Always are package prefixes evaluated whatever Namespaces say (the
	// built-in library's "ecsflow").
	Always []string
	// Data is the document policies read as data (policy-data files).
	Data map[string]any
}

// New parses and compiles every .rego file of the sources (files ending in
// _test.rego are left out) and finds the rules to evaluate.
func New(srcs []Source, opts Options) (*Engine, error) {
	mods := map[string]*ast.Module{}
	for _, s := range srcs {
		if err := parseSource(s, mods); err != nil {
			return nil, err
		}
	}
	c := ast.NewCompiler().WithCapabilities(capabilities())
	if c.Compile(mods); c.Failed() {
		return nil, astError(c.Errors)
	}
	ns := opts.Namespaces
	if len(ns) == 0 {
		ns = []string{"main"}
	}
	return &Engine{compiler: c, data: opts.Data, rules: findRules(mods, ns, opts.Always)}, nil
}

// deniedBuiltins are OPA built-ins a policy may not call: policies come
// with pull requests, and these would let one reach the network or read
// the runner's environment (its tokens) and print it in a finding.
var deniedBuiltins = map[string]bool{"http.send": true, "net.lookup_ip_addr": true, "opa.runtime": true}

// capabilities are OPA's own for this version without deniedBuiltins; a
// policy that calls one does not compile ("undefined function").
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0]
	for _, b := range caps.Builtins {
		if !deniedBuiltins[b.Name] {
			kept = append(kept, b)
		}
	}
	caps.Builtins = kept
	return caps
}

func parseSource(s Source, mods map[string]*ast.Module) error {
	return fs.WalkDir(s.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &Error{File: path.Join(s.Name, p), Msg: fmt.Sprintf("cannot be read: %v", err)}
		}
		if d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		src, err := fs.ReadFile(s.FS, p)
		if err != nil {
			return &Error{File: path.Join(s.Name, p), Msg: fmt.Sprintf("cannot be read: %v", err)}
		}
		name := path.Join(s.Name, p)
		m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return astError(err)
		}
		mods[name] = m
		return nil
	})
}

// astError turns OPA's parse and compile errors into an *Error for the
// first one, with the count of the others.
func astError(err error) error {
	var errs ast.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		return &Error{Msg: err.Error()}
	}
	first := errs[0]
	e := &Error{Msg: first.Message}
	if first.Location != nil {
		e.File, e.Line = first.Location.File, first.Location.Row
	}
	if len(errs) > 1 {
		e.Msg += fmt.Sprintf(" (and %d more error(s))", len(errs)-1)
	}
	return e
}

func findRules(mods map[string]*ast.Module, ns, always []string) []ruleRef {
	seen := map[ruleRef]bool{}
	var out []ruleRef
	for _, m := range mods {
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if !selected(pkg, ns, always) {
			continue
		}
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if len(r.Head.Reference) > 0 {
				name = r.Head.Reference[0].Value.String()
			}
			k := kindOf(name)
			ref := ruleRef{pkg: pkg, name: name, kind: k}
			if k == 0 || seen[ref] {
				continue
			}
			seen[ref] = true
			out = append(out, ref)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].pkg != out[j].pkg {
			return out[i].pkg < out[j].pkg
		}
		return out[i].name < out[j].name
	})
	return out
}

func selected(pkg string, ns, always []string) bool {
	for _, a := range always {
		if pkg == a || strings.HasPrefix(pkg, a+".") {
			return true
		}
	}
	for _, n := range ns {
		if n == "*" || n == pkg {
			return true
		}
	}
	return false
}

// kindOf reads conftest's rule names: deny, violation, warn, optionally
// followed by _suffix.
func kindOf(name string) Kind {
	for prefix, k := range map[string]Kind{"deny": Deny, "violation": Deny, "warn": Warn} {
		if name == prefix || strings.HasPrefix(name, prefix+"_") {
			return k
		}
	}
	return 0
}

// Result is one message a rule produced.
type Result struct {
	// Package and Rule name the rule ("main", "deny_public_ip").
	Package string
	Rule    string
	Kind    Kind
	// Msg is the message (the string, or the msg key of an object).
	Msg string
	// Resource, File, Line and Severity are optional keys of an object
	// result that say where the finding is and how severe it is.
	Resource string
	File     string
	Line     int
	Severity string
}

// Eval evaluates every rule against input and returns the results in a
// stable order. A rule that fails at run time (a built-in error, a
// conflict) is an *Error naming the policy's file and line.
func (e *Engine) Eval(ctx context.Context, input any) ([]Result, error) {
	doc, err := astInput(input)
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObject(e.dataOrEmpty())
	var out []Result
	for _, r := range e.rules {
		q := rego.New(
			rego.Query("data."+r.pkg+"."+r.name),
			rego.Compiler(e.compiler),
			rego.Store(store),
			rego.ParsedInput(doc),
			rego.StrictBuiltinErrors(true),
		)
		rs, err := q.Eval(ctx)
		if err != nil {
			return nil, runtimeError(r, err)
		}
		res, err := decodeResults(r, rs)
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}

func (e *Engine) dataOrEmpty() map[string]any {
	if e.data == nil {
		return map[string]any{}
	}
	return e.data
}

func runtimeError(r ruleRef, err error) error {
	var te *topdown.Error
	if errors.As(err, &te) {
		e := &Error{Msg: fmt.Sprintf("data.%s.%s failed: %s", r.pkg, r.name, te.Message)}
		if te.Location != nil {
			e.File, e.Line = te.Location.File, te.Location.Row
		}
		return e
	}
	var ae ast.Errors
	if errors.As(err, &ae) {
		return astError(ae)
	}
	return &Error{Msg: fmt.Sprintf("data.%s.%s failed: %v", r.pkg, r.name, err)}
}

// astInput converts the input once (through JSON, as OPA would for each
// query) so every rule reads the same value.
func astInput(input any) (ast.Value, error) {
	b, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("failed to encode the policy input: %w", err)
	}
	v, err := ast.ValueFromReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("failed to convert the policy input: %w", err)
	}
	return v, nil
}
