package tfparse

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Instance is one expansion of a resource or module block: one element of
// a known for_each, or the block itself (with each/count unknown when
// they are not known).
type Instance struct {
	Block *Block
	// Key is the instance key in address form (`["mcpo"]`, `[0]`) or "".
	Key  string
	vars map[string]cty.Value
	eval *Evaluator
}

// Address is the instance's address, e.g. aws_ecs_service.this["mcpo"].
func (i *Instance) Address() string { return i.Block.Address() + i.Key }

// Eval evaluates expr with each.key / each.value / count.index bound.
func (i *Instance) Eval(expr hcl.Expression) cty.Value {
	if expr == nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	i.eval.mu.Lock()
	defer i.eval.mu.Unlock()
	return i.eval.evalLocked(expr, i.context())
}

// Tree is Evaluator.Tree for this instance.
func (i *Instance) Tree(expr hcl.Expression) any {
	i.eval.mu.Lock()
	defer i.eval.mu.Unlock()
	return i.eval.treeLocked(expr, i.context())
}

func (i *Instance) context() *hcl.EvalContext {
	base := i.eval.contextLocked()
	if len(i.vars) == 0 {
		return base
	}
	ctx := &hcl.EvalContext{Variables: make(map[string]cty.Value, len(base.Variables)+len(i.vars)), Functions: base.Functions}
	for k, v := range base.Variables {
		ctx.Variables[k] = v
	}
	for k, v := range i.vars {
		ctx.Variables[k] = v
	}
	return ctx
}

// Instances expands a block by its for_each (when known) or count (when
// known and small). Without either, or when they are unknown, it returns
// one instance.
func (e *Evaluator) Instances(b *Block) []*Instance {
	if fe := b.Attr("for_each"); fe != nil {
		v := e.Eval(fe.Expr)
		if v.IsWhollyKnown() && !v.IsNull() && (v.Type().IsMapType() || v.Type().IsObjectType() || v.Type().IsSetType()) && v.LengthInt() > 0 {
			var out []*Instance
			for it := v.ElementIterator(); it.Next(); {
				k, ev := it.Element()
				if v.Type().IsSetType() {
					k = ev
				}
				if k.Type() != cty.String {
					return []*Instance{e.unknownInstance(b)}
				}
				out = append(out, &Instance{
					Block: b, Key: fmt.Sprintf("[%q]", k.AsString()), eval: e,
					vars: map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": k, "value": ev})},
				})
			}
			return out
		}
		return []*Instance{e.unknownInstance(b)}
	}
	if c := b.Attr("count"); c != nil {
		n, ok := e.Number(c.Expr)
		if ok && n >= 0 && n <= 16 && n == float64(int(n)) {
			out := make([]*Instance, 0, int(n))
			for k := 0; k < int(n); k++ {
				out = append(out, &Instance{
					Block: b, Key: fmt.Sprintf("[%d]", k), eval: e,
					vars: map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(int64(k))})},
				})
			}
			return out
		}
		return []*Instance{e.unknownInstance(b)}
	}
	return []*Instance{{Block: b, eval: e}}
}

func (e *Evaluator) unknownInstance(b *Block) *Instance {
	return &Instance{Block: b, eval: e, vars: map[string]cty.Value{"each": cty.DynamicVal, "count": cty.DynamicVal}}
}

// NestedBlocks returns the nested blocks of type typ under b as this instance
// has them: the content of a dynamic block whose for_each is known to be
// empty is left out (its for_each may depend on each.value or a variable).
func (i *Instance) NestedBlocks(b *Block, typ string) []*Block {
	all := b.Blocks(typ)
	out := all[:0:0]
	for _, nb := range all {
		if nb.Dynamic && nb.ForEach != nil {
			v := i.Eval(nb.ForEach)
			if v.IsKnown() && !v.IsNull() && v.CanIterateElements() && v.LengthInt() == 0 {
				continue
			}
		}
		out = append(out, nb)
	}
	return out
}

// NestedBlock returns the first of NestedBlocks, or nil.
func (i *Instance) NestedBlock(b *Block, typ string) *Block {
	bs := i.NestedBlocks(b, typ)
	if len(bs) == 0 {
		return nil
	}
	return bs[0]
}

// EvalWith is Eval with extra root values, such as the known attributes of
// the resources of one type ({"aws_ecr_repository": {"app": {"name":
// ...}}}); they also reach the locals expr refers to, which are evaluated
// again with them. A tool that knows some resource attributes (a sandbox
// that created the resources) resolves references this way.
func (i *Instance) EvalWith(expr hcl.Expression, extra map[string]cty.Value) cty.Value {
	if expr == nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	i.eval.mu.Lock()
	defer i.eval.mu.Unlock()
	base := i.context()
	ctx := base.NewChild()
	ctx.Variables = make(map[string]cty.Value, len(base.Variables)+len(extra)+1)
	for k, v := range base.Variables {
		ctx.Variables[k] = v
	}
	for k, v := range extra {
		ctx.Variables[k] = v
	}
	ctx.Variables["local"] = i.eval.localsWith(ctx, expr)
	return i.eval.evalLocked(expr, ctx)
}

// localsWith returns every local, those expr refers to (and what they refer
// to) evaluated again in ctx.
func (e *Evaluator) localsWith(ctx *hcl.EvalContext, expr hcl.Expression) cty.Value {
	vals := make(map[string]cty.Value, len(e.locals))
	for k, v := range e.locals {
		vals[k] = v
	}
	seen := map[string]bool{}
	var visit func(hcl.Expression)
	visit = func(x hcl.Expression) {
		for _, tr := range x.Variables() {
			if tr.RootName() != "local" || len(tr) < 2 {
				continue
			}
			step, ok := tr[1].(hcl.TraverseAttr)
			if !ok || seen[step.Name] {
				continue
			}
			seen[step.Name] = true
			a := e.mod.Locals[step.Name]
			if a == nil {
				continue
			}
			visit(a.Expr)
			c := ctx.NewChild()
			c.Variables = make(map[string]cty.Value, len(ctx.Variables))
			for k, v := range ctx.Variables {
				c.Variables[k] = v
			}
			c.Variables["local"] = cty.ObjectVal(vals)
			vals[step.Name] = e.evalLocked(a.Expr, c)
		}
	}
	visit(expr)
	return cty.ObjectVal(vals)
}
