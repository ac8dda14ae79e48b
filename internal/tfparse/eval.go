package tfparse

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// Unknown is a placeholder in a value tree (see Evaluator.Tree) for a value
// only known at apply time.
type Unknown struct{}

// UnknownText replaces unknown parts of a string built from a template
// ("${aws_ecr_repository.app.repository_url}:latest" becomes
// UnknownText+":latest"), so checks can look at the known parts.
const UnknownText = "\u27e8unknown\u27e9"

// HasUnknown reports whether s contains an unknown part.
func HasUnknown(s string) bool { return strings.Contains(s, UnknownText) }

// Evaluator resolves expressions of one module. It is safe for concurrent
// use.
type Evaluator struct {
	mod *Module

	mu        sync.Mutex
	ctx       *hcl.EvalContext
	locals    map[string]cty.Value
	localBusy map[string]bool
	funcs     map[string]function.Function
	varVals   map[string]cty.Value
}

func newEvaluator(m *Module, reader func(string) ([]byte, error)) *Evaluator {
	funcs := make(map[string]function.Function, len(baseFuncs)+3)
	for k, v := range baseFuncs {
		funcs[k] = v
	}
	for k, v := range fileFuncs(reader) {
		funcs[k] = v
	}
	return &Evaluator{mod: m, funcs: funcs, locals: map[string]cty.Value{}, localBusy: map[string]bool{}}
}

// Eval returns the value of expr, with unknown parts where it depends on
// values only known at apply time. It never fails: anything it cannot
// evaluate is cty.DynamicVal (wholly unknown).
func (e *Evaluator) Eval(expr hcl.Expression) cty.Value {
	if expr == nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.evalLocked(expr, e.contextLocked())
}

func (e *Evaluator) evalLocked(expr hcl.Expression, base *hcl.EvalContext) cty.Value {
	ctx := withUnknownRoots(base, expr)
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.DynamicVal
	}
	return v
}

// withUnknownRoots adds an unknown value for every root name expr refers
// to that ctx does not define (resource types, data, module, each, count,
// self ...).
func withUnknownRoots(ctx *hcl.EvalContext, expr hcl.Expression) *hcl.EvalContext {
	var missing []string
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		if _, ok := ctx.Variables[root]; !ok {
			missing = append(missing, root)
		}
	}
	if len(missing) == 0 {
		return ctx
	}
	child := ctx.NewChild()
	child.Variables = make(map[string]cty.Value, len(missing))
	for _, m := range missing {
		child.Variables[m] = cty.DynamicVal
	}
	return child
}

func (e *Evaluator) contextLocked() *hcl.EvalContext {
	if e.ctx != nil {
		return e.ctx
	}
	vars := e.variableValues()
	e.varVals = vars
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var": cty.ObjectVal(vars),
			"path": cty.ObjectVal(map[string]cty.Value{
				"module": cty.StringVal(e.mod.Dir),
				"root":   cty.StringVal(e.mod.rootDir()),
				"cwd":    cty.StringVal("."),
			}),
			"terraform": cty.ObjectVal(map[string]cty.Value{"workspace": cty.UnknownVal(cty.String)}),
		},
		Functions: e.funcs,
	}
	// Evaluate every local once; each pulls in the locals it depends on.
	tmp := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: e.funcs}
	for k, v := range ctx.Variables {
		tmp.Variables[k] = v
	}
	e.ctx = tmp // used while locals are evaluated
	for name := range e.mod.Locals {
		e.local(name)
	}
	ctx.Variables["local"] = cty.ObjectVal(e.locals)
	e.ctx = ctx
	return ctx
}

// local evaluates one local, its dependencies first; a cycle makes the
// local unknown.
func (e *Evaluator) local(name string) cty.Value {
	if v, ok := e.locals[name]; ok {
		return v
	}
	a, ok := e.mod.Locals[name]
	if !ok || e.localBusy[name] {
		return cty.DynamicVal
	}
	e.localBusy[name] = true
	deps := map[string]cty.Value{}
	for _, tr := range a.Expr.Variables() {
		if tr.RootName() != "local" || len(tr) < 2 {
			continue
		}
		if step, ok := tr[1].(hcl.TraverseAttr); ok {
			deps[step.Name] = e.local(step.Name)
		}
	}
	ctx := e.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{"local": cty.ObjectVal(deps)}
	// The child context shadows nothing else: copy the parent's roots in
	// so that withUnknownRoots sees them.
	for k, v := range e.ctx.Variables {
		if k != "local" {
			ctx.Variables[k] = v
		}
	}
	v := e.evalLocked(a.Expr, ctx)
	delete(e.localBusy, name)
	e.locals[name] = v
	return v
}

// variableValues returns the value of every declared variable: a value
// given by the caller (var-files for a root module, arguments for a child
// module with one caller), else its default, else unknown.
func (e *Evaluator) variableValues() map[string]cty.Value {
	out := make(map[string]cty.Value, len(e.mod.Variables))
	for name, blk := range e.mod.Variables {
		v := cty.DynamicVal
		if given, ok := e.mod.givenValue(name); ok {
			v = given
		} else if d := blk.Attr("default"); d != nil {
			dv, diags := d.Expr.Value(&hcl.EvalContext{Functions: baseFuncs})
			if !diags.HasErrors() {
				v = dv
			}
		}
		if t := blk.Attr("type"); t != nil && v.IsKnown() && !v.IsNull() {
			if ty, diags := typeexpr.TypeConstraint(t.Expr); !diags.HasErrors() {
				if cv, err := convert.Convert(v, ty); err == nil {
					v = cv
				}
			}
		}
		out[name] = v
	}
	return out
}

// VarValue returns the resolved value of variable name.
func (e *Evaluator) VarValue(name string) cty.Value {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.contextLocked()
	if v, ok := e.varVals[name]; ok {
		return v
	}
	return cty.DynamicVal
}

// String returns the value of expr as a string when it is known.
func (e *Evaluator) String(expr hcl.Expression) (string, bool) {
	return AsString(e.Eval(expr))
}

// AsString returns v as a string when it is known and converts to one.
func AsString(v cty.Value) (string, bool) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return "", false
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", false
	}
	return sv.AsString(), true
}

// Bool returns the value of expr as a bool when it is known.
func (e *Evaluator) Bool(expr hcl.Expression) (bool, bool) {
	return AsBool(e.Eval(expr))
}

// AsBool returns v as a bool when it is known and converts to one.
func AsBool(v cty.Value) (bool, bool) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return false, false
	}
	bv, err := convert.Convert(v, cty.Bool)
	if err != nil {
		return false, false
	}
	return bv.True(), true
}

// Number returns the value of expr as a float when it is known.
func (e *Evaluator) Number(expr hcl.Expression) (float64, bool) {
	return AsNumber(e.Eval(expr))
}

// AsNumber returns v as a float when it is known and converts to a number.
func AsNumber(v cty.Value) (float64, bool) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return 0, false
	}
	nv, err := convert.Convert(v, cty.Number)
	if err != nil {
		return 0, false
	}
	f, _ := nv.AsBigFloat().Float64()
	return f, true
}

// Tree evaluates expr leniently into plain Go values (map[string]any,
// []any, string, float64, bool, nil) with Unknown{} for unknown parts and
// UnknownText inside strings built from templates with unknown parts.
// jsonencode(...) is looked through, and strings that hold JSON (heredocs,
// file(), templatefile()) can be decoded with DecodeJSONTree.
func (e *Evaluator) Tree(expr hcl.Expression) any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.treeLocked(expr, e.contextLocked())
}

func (e *Evaluator) treeLocked(expr hcl.Expression, ctx *hcl.EvalContext) any {
	switch x := expr.(type) {
	case *hclsyntax.FunctionCallExpr:
		switch {
		case x.Name == "jsonencode" && len(x.Args) == 1:
			return e.treeLocked(x.Args[0], ctx)
		case x.Name == "templatefile" && len(x.Args) == 2:
			if s, ok := e.lenientTemplateFile(x, ctx); ok {
				return s
			}
		}
	case *hclsyntax.ObjectConsExpr:
		out := make(map[string]any, len(x.Items))
		for _, it := range x.Items {
			kv := e.evalLocked(it.KeyExpr, ctx)
			if !kv.IsKnown() || kv.IsNull() {
				continue
			}
			ks, err := convert.Convert(kv, cty.String)
			if err != nil {
				continue
			}
			out[ks.AsString()] = e.treeLocked(it.ValueExpr, ctx)
		}
		return out
	case *hclsyntax.TupleConsExpr:
		out := make([]any, 0, len(x.Exprs))
		for _, it := range x.Exprs {
			out = append(out, e.treeLocked(it, ctx))
		}
		return out
	case *hclsyntax.TemplateExpr:
		return e.lenientTemplate(x, ctx)
	case *hclsyntax.TemplateWrapExpr:
		return e.treeLocked(x.Wrapped, ctx)
	case *hclsyntax.ParenthesesExpr:
		return e.treeLocked(x.Expression, ctx)
	}
	return ValueTree(e.evalLocked(expr, ctx))
}

func (e *Evaluator) lenientTemplate(t *hclsyntax.TemplateExpr, ctx *hcl.EvalContext) any {
	if v := e.evalLocked(t, ctx); v.IsWhollyKnown() {
		return ValueTree(v)
	}
	var b strings.Builder
	for _, p := range t.Parts {
		if lit, ok := p.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String {
			b.WriteString(lit.Val.AsString())
			continue
		}
		v := e.evalLocked(p, ctx)
		if !v.IsWhollyKnown() || v.IsNull() {
			b.WriteString(UnknownText)
			continue
		}
		sv, err := convert.Convert(v, cty.String)
		if err != nil {
			b.WriteString(UnknownText)
			continue
		}
		b.WriteString(sv.AsString())
	}
	return b.String()
}

// lenientTemplateFile renders a templatefile() call with unknown variables
// shown as UnknownText.
func (e *Evaluator) lenientTemplateFile(call *hclsyntax.FunctionCallExpr, ctx *hcl.EvalContext) (string, bool) {
	pv := e.evalLocked(call.Args[0], ctx)
	if !pv.IsWhollyKnown() || pv.IsNull() || pv.Type() != cty.String {
		return "", false
	}
	src, err := e.mod.reader(pv.AsString())
	if err != nil {
		return "", false
	}
	tmpl, diags := hclsyntax.ParseTemplate(src, pv.AsString(), hcl.InitialPos)
	if diags.HasErrors() {
		return "", false
	}
	vars := objectAttrs(e.evalLocked(call.Args[1], ctx))
	tctx := &hcl.EvalContext{Variables: vars, Functions: e.funcs}
	switch t := tmpl.(type) {
	case *hclsyntax.TemplateExpr:
		s, ok := e.lenientTemplate(t, tctx).(string)
		return s, ok
	default:
		v := e.evalLocked(tmpl, tctx)
		if v.IsWhollyKnown() && v.Type() == cty.String {
			return v.AsString(), true
		}
	}
	return "", false
}

// ValueTree converts a cty value into plain Go values, with Unknown{} for
// unknown parts.
func ValueTree(v cty.Value) any {
	if !v.IsKnown() {
		return Unknown{}
	}
	if v.IsNull() {
		return nil
	}
	v, _ = v.Unmark()
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString()
	case ty == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f
	case ty == cty.Bool:
		return v.True()
	case ty.IsObjectType() || ty.IsMapType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			out[k.AsString()] = ValueTree(ev)
		}
		return out
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			out = append(out, ValueTree(ev))
		}
		return out
	}
	return Unknown{}
}

// ReplaceUnknown replaces every Unknown in a value tree (see
// Evaluator.Tree) with with, in place, and returns the tree.
func ReplaceUnknown(v, with any) any {
	switch x := v.(type) {
	case Unknown:
		return with
	case map[string]any:
		for k, e := range x {
			x[k] = ReplaceUnknown(e, with)
		}
	case []any:
		for i, e := range x {
			x[i] = ReplaceUnknown(e, with)
		}
	}
	return v
}

// DecodeJSONTree decodes a JSON document that may contain UnknownText in
// strings (numbers become float64). ok is false when s is not JSON.
func DecodeJSONTree(s string) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return normaliseNumbers(v), true
}

func normaliseNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := new(big.Float).SetString(string(x))
		if f == nil {
			return Unknown{}
		}
		ff, _ := f.Float64()
		return ff
	case map[string]any:
		for k, e := range x {
			x[k] = normaliseNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normaliseNumbers(e)
		}
	}
	return v
}
