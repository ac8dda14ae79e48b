package rules

import (
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// evalAttr evaluates attribute name of block b in the context of inst
// (dynamic block iterators are unknown there). present is false when the
// attribute is absent.
func evalAttr(inst *tfparse.Instance, b *tfparse.Block, name string) (v cty.Value, present bool) {
	a := b.Attr(name)
	if a == nil {
		return cty.NilVal, false
	}
	return inst.Eval(a.Expr), true
}

// knownString returns a known, non-null string attribute.
func knownString(inst *tfparse.Instance, b *tfparse.Block, name string) (string, bool) {
	v, ok := evalAttr(inst, b, name)
	if !ok || !v.IsWhollyKnown() || v.IsNull() {
		return "", false
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", false
	}
	return sv.AsString(), true
}

// triBool is a boolean that may be absent or unknown.
type triBool int

const (
	absent triBool = iota
	unknown
	isFalse
	isTrue
)

func boolAttr(inst *tfparse.Instance, b *tfparse.Block, name string) triBool {
	v, ok := evalAttr(inst, b, name)
	if !ok {
		return absent
	}
	if !v.IsWhollyKnown() {
		return unknown
	}
	if v.IsNull() {
		return absent
	}
	bv, err := convert.Convert(v, cty.Bool)
	if err != nil {
		return unknown
	}
	if bv.True() {
		return isTrue
	}
	return isFalse
}

// knownStrings returns a known list of strings (a single string counts as
// a list of one). ok is false when unknown or absent.
func knownStrings(inst *tfparse.Instance, b *tfparse.Block, name string) ([]string, bool) {
	v, present := evalAttr(inst, b, name)
	if !present || !v.IsWhollyKnown() || v.IsNull() {
		return nil, false
	}
	return ctyStrings(v)
}

func ctyStrings(v cty.Value) ([]string, bool) {
	if v.Type() == cty.String {
		return []string{v.AsString()}, true
	}
	if !(v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType()) {
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		sv, err := convert.Convert(ev, cty.String)
		if err != nil || sv.IsNull() {
			return nil, false
		}
		out = append(out, sv.AsString())
	}
	return out, true
}

// rangeOf returns the range of attribute name, or the block header.
func rangeOf(b *tfparse.Block, name string) hcl.Range {
	if a := b.Attr(name); a != nil {
		return a.Range
	}
	return b.DefRange
}

// ignoreChanges returns the attribute names in lifecycle.ignore_changes;
// all is true for ignore_changes = all.
func ignoreChanges(b *tfparse.Block) (names []string, all bool) {
	lc := b.Block("lifecycle")
	if lc == nil {
		return nil, false
	}
	a := lc.Attr("ignore_changes")
	if a == nil {
		return nil, false
	}
	if tr, diags := hcl.AbsTraversalForExpr(a.Expr); !diags.HasErrors() && tr.RootName() == "all" {
		return nil, true
	}
	if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.String && v.AsString() == "all" {
		return nil, true
	}
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		return nil, false
	}
	for _, e := range exprs {
		if tr, diags := hcl.AbsTraversalForExpr(e); !diags.HasErrors() {
			names = append(names, tr.RootName())
			continue
		}
		if v, diags := e.Value(nil); !diags.HasErrors() && v.Type() == cty.String {
			names = append(names, strings.SplitN(v.AsString(), ".", 2)[0])
		}
	}
	return names, false
}

func ignores(b *tfparse.Block, attr string) bool {
	names, all := ignoreChanges(b)
	return all || contains(names, attr)
}

// resourceRefs returns the names of resources of type typ that expr refers
// to.
func resourceRefs(expr hcl.Expression, typ string) []string {
	var out []string
	for _, tr := range expr.Variables() {
		if tr.RootName() != typ || len(tr) < 2 {
			continue
		}
		if at, ok := tr[1].(hcl.TraverseAttr); ok {
			out = append(out, at.Name)
		}
	}
	return out
}

// refersTo reports whether attribute name of b refers to resource typ.name.
func refersTo(b *tfparse.Block, attr, typ, name string) bool {
	a := b.Attr(attr)
	if a == nil {
		return false
	}
	return contains(resourceRefs(a.Expr, typ), name)
}

// exprText returns the source text of expr.
func exprText(f *tfparse.File, expr hcl.Expression) string {
	r := expr.Range()
	if f == nil || r.End.Byte > len(f.Src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	return string(f.Src[r.Start.Byte:r.End.Byte])
}

// tree helpers for decoded JSON-ish values --------------------------------

func isUnknown(v any) bool {
	if _, ok := v.(tfparse.Unknown); ok {
		return true
	}
	if s, ok := v.(string); ok && tfparse.HasUnknown(s) {
		return true
	}
	return false
}

func treeString(m map[string]any, key string) (string, bool) {
	s, ok := m[key].(string)
	if !ok || tfparse.HasUnknown(s) {
		return "", false
	}
	return s, true
}

// treeBool returns a tri-state bool for key of m.
func treeBool(m map[string]any, key string) triBool {
	v, ok := m[key]
	if !ok || v == nil {
		return absent
	}
	switch x := v.(type) {
	case bool:
		if x {
			return isTrue
		}
		return isFalse
	case string:
		switch x {
		case "true":
			return isTrue
		case "false":
			return isFalse
		}
	}
	return unknown
}

func treeList(v any) []any {
	l, _ := v.([]any)
	return l
}

func treeMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func treeNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		var f float64
		var ok bool
		if n, good := parseNumber(x); good {
			f, ok = n, true
		}
		return f, ok
	}
	return 0, false
}

// valueTree converts a cty value to a plain Go value (see tfparse.ValueTree).
func valueTree(v cty.Value) any { return tfparse.ValueTree(v) }

// eachResourceOf calls fn for every instance of resources of any of types.
func eachResourceOf(c *Context, types []string, fn func(m *tfparse.Module, inst *tfparse.Instance)) {
	for _, t := range types {
		c.EachResource(t, fn)
	}
}

var (
	registrySource = regexp.MustCompile(`^([a-zA-Z0-9.-]+/)?[a-zA-Z0-9_-]+/[a-zA-Z0-9_-]+/[a-zA-Z0-9_-]+(//.*)?$`)
	gitSource      = regexp.MustCompile(`^(git::|git@|github\.com/|bitbucket\.org/|https://.*\.git)`)
	commitRef      = regexp.MustCompile(`[?&]ref=([0-9a-f]{40})(&|$)`)
	anyRef         = regexp.MustCompile(`[?&]ref=([^&]+)`)
	exactVersion   = regexp.MustCompile(`^=?\s*v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)
)

func moduleSource(m *tfparse.Module, call *tfparse.Block) (string, bool) {
	a := call.Attr("source")
	if a == nil {
		return "", false
	}
	return m.Eval.String(a.Expr)
}
