package cost

import (
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// Locate finds where the configuration in tree sets the values the
// recommendations change for the ECS service whose name attribute
// evaluates to service, following a value through function calls such as
// tostring, locals, variables (to the var-file that sets them, or their
// default) and each.value (to the object keyed by the instance's key,
// preferring one in a var-file). readFile reads var-files again for their
// lines. ok is false when no aws_ecs_service is named service.
//
// A line in a .tf file is Shared when var-files were given: environments
// that differ by var-file share it.
func Locate(tree *tfparse.Tree, service string, readFile func(string) ([]byte, error)) (Sources, bool) {
	for _, m := range tree.Modules {
		for _, b := range m.ResourcesOfType("aws_ecs_service") {
			for _, inst := range m.Eval.Instances(b) {
				if v := inst.Eval(attrExpr(b, "name")); v.IsKnown() && !v.IsNull() && v.Type() == cty.String && v.AsString() == service {
					l := &locator{tree: tree, mod: m, read: readFile, shared: len(tree.VarFiles) > 0}
					return l.service(b, inst), true
				}
			}
		}
	}
	return nil, false
}

type locator struct {
	tree   *tfparse.Tree
	mod    *tfparse.Module
	read   func(string) ([]byte, error)
	shared bool
	src    Sources
}

func (l *locator) service(b *tfparse.Block, inst *tfparse.Instance) Sources {
	l.src = Sources{
		FieldServiceBlock: l.line(b.File, b.DefRange.Start.Line, ""),
		FieldServiceEnd:   l.line(b.File, b.Range.End.Line, ""),
	}
	l.attr(FieldDesiredCount, inst, b.Attr("desired_count"))
	l.attr(FieldLaunchType, inst, b.Attr("launch_type"))
	if cps := inst.NestedBlocks(b, "capacity_provider_strategy"); len(cps) > 0 {
		l.attr(FieldProvider, inst, cps[0].Attr("capacity_provider"))
	}
	if td, tdInst := l.referenced(inst, attrExpr(b, "task_definition"), "aws_ecs_task_definition"); td != nil {
		l.src[FieldTaskBlock] = l.line(td.File, td.DefRange.Start.Line, "")
		l.attr(FieldCPU, tdInst, td.Attr("cpu"))
		l.attr(FieldMemory, tdInst, td.Attr("memory"))
		if rp := tdInst.NestedBlock(td, "runtime_platform"); rp != nil {
			l.attr(FieldArchitecture, tdInst, rp.Attr("cpu_architecture"))
		}
	}
	for _, t := range l.mod.ResourcesOfType("aws_appautoscaling_target") {
		if refersTo(attrExpr(t, "resource_id"), b.Labels[0], b.Name()) {
			if ti := sameKey(l.mod.Eval.Instances(t), inst.Key); ti != nil {
				l.attr(FieldMinCapacity, ti, t.Attr("min_capacity"))
			}
		}
	}
	return l.src
}

// attr records where the value of a is set.
func (l *locator) attr(f Field, inst *tfparse.Instance, a *tfparse.Attribute) {
	if a == nil || inst == nil {
		return
	}
	if s, ok := l.origin(inst, a.Expr, a.File, a.Range.Start.Line, 0); ok {
		l.src[f] = s
	}
}

// origin follows expr to the line that sets its value; the expression's
// own line stands when it cannot be followed.
func (l *locator) origin(inst *tfparse.Instance, expr hcl.Expression, file *tfparse.File, line, depth int) (Setting, bool) {
	here := l.line(file, line, "")
	if depth > 8 {
		return here, true
	}
	switch e := expr.(type) {
	case *hclsyntax.FunctionCallExpr:
		if len(e.Args) == 1 && (e.Name == "tostring" || e.Name == "tonumber") {
			return l.origin(inst, e.Args[0], file, line, depth+1)
		}
	case *hclsyntax.TemplateWrapExpr:
		return l.origin(inst, e.Wrapped, file, line, depth+1)
	case *hclsyntax.ScopeTraversalExpr:
		if s, ok := l.traversal(inst, e.Traversal, depth); ok {
			return s, true
		}
	}
	return here, true
}

func (l *locator) traversal(inst *tfparse.Instance, tr hcl.Traversal, depth int) (Setting, bool) {
	names := traversalNames(tr)
	switch {
	case len(names) == 2 && names[0] == "var":
		return l.variable(names[1])
	case len(names) == 2 && names[0] == "local":
		if a, ok := l.mod.Locals[names[1]]; ok {
			return l.origin(inst, a.Expr, a.File, a.Range.Start.Line, depth+1)
		}
	case len(names) == 3 && names[0] == "each" && names[1] == "value":
		return l.keyed(instanceKey(inst.Key), names[2])
	}
	return Setting{}, false
}

// variable is the var-file line that sets a variable (the last file
// wins), else its default.
func (l *locator) variable(name string) (Setting, bool) {
	for i := len(l.tree.VarFiles) - 1; i >= 0; i-- {
		vf := l.tree.VarFiles[i]
		if r, ok := vf.Sets[name]; ok {
			return l.fileLine(vf.Path, r.Start.Line, "", false)
		}
	}
	if v, ok := l.mod.Variables[name]; ok {
		if d := v.Attr("default"); d != nil {
			return l.line(d.File, d.Range.Start.Line, ""), true
		}
	}
	return Setting{}, false
}

// keyed finds attribute attr of the object keyed key: in a var-file
// first (it is that environment's own value), then in the module's files.
func (l *locator) keyed(key, attr string) (Setting, bool) {
	if key == "" {
		return Setting{}, false
	}
	for i := len(l.tree.VarFiles) - 1; i >= 0; i-- {
		path := l.tree.VarFiles[i].Path
		src, err := l.read(path)
		if err != nil || strings.HasSuffix(path, ".json") {
			continue
		}
		if line, ok := findKeyed(src, path, key, attr); ok {
			return l.fileLine(path, line, attr, false)
		}
	}
	for _, f := range l.mod.Files {
		if f.JSON {
			continue
		}
		if line, ok := findKeyed(f.Src, f.Path, key, attr); ok {
			return l.line(f, line, attr), true
		}
	}
	return Setting{}, false
}

// findKeyed is the line of attr inside an object that is the value of
// the object key key, anywhere in src.
func findKeyed(src []byte, path, key, attr string) (int, bool) {
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return 0, false
	}
	line := 0
	_ = hclsyntax.VisitAll(f.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
		obj, ok := n.(*hclsyntax.ObjectConsExpr)
		if !ok || line > 0 {
			return nil
		}
		for _, it := range obj.Items {
			if objectKey(it.KeyExpr) != key {
				continue
			}
			inner, ok := it.ValueExpr.(*hclsyntax.ObjectConsExpr)
			if !ok {
				continue
			}
			for _, in := range inner.Items {
				if objectKey(in.KeyExpr) == attr {
					line = in.KeyExpr.Range().Start.Line
					return nil
				}
			}
		}
		return nil
	})
	return line, line > 0
}

func objectKey(e hclsyntax.Expression) string {
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

func (l *locator) line(f *tfparse.File, line int, attr string) Setting {
	return Setting{File: f.Path, Line: line, Text: lineOf(f.Src, line), Attr: attr, Shared: l.shared}
}

func (l *locator) fileLine(path string, line int, attr string, shared bool) (Setting, bool) {
	src, err := l.read(path)
	if err != nil {
		return Setting{}, false
	}
	return Setting{File: path, Line: line, Text: lineOf(src, line), Attr: attr, Shared: shared}, true
}

func lineOf(src []byte, line int) string {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	return strings.TrimRight(lines[line-1], "\r")
}

// referenced is the resource of type typ that expr refers to, with its
// instance of the same key as inst.
func (l *locator) referenced(inst *tfparse.Instance, expr hcl.Expression, typ string) (*tfparse.Block, *tfparse.Instance) {
	for _, b := range l.mod.ResourcesOfType(typ) {
		if refersTo(expr, b.Labels[0], b.Name()) {
			return b, sameKey(l.mod.Eval.Instances(b), inst.Key)
		}
	}
	return nil, nil
}

func refersTo(expr hcl.Expression, typ, name string) bool {
	if expr == nil {
		return false
	}
	for _, tr := range expr.Variables() {
		n := traversalNames(tr)
		if len(n) >= 2 && n[0] == typ && n[1] == name {
			return true
		}
	}
	return false
}

func sameKey(insts []*tfparse.Instance, key string) *tfparse.Instance {
	for _, i := range insts {
		if i.Key == key {
			return i
		}
	}
	if len(insts) == 1 {
		return insts[0]
	}
	return nil
}

func traversalNames(tr hcl.Traversal) []string {
	var out []string
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			out = append(out, s.Name)
		case hcl.TraverseAttr:
			out = append(out, s.Name)
		default:
			return out
		}
	}
	return out
}

func instanceKey(k string) string {
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(k, "["), "]"))
	if err != nil {
		return ""
	}
	return s
}

func attrExpr(b *tfparse.Block, name string) hcl.Expression {
	if a := b.Attr(name); a != nil {
		return a.Expr
	}
	return nil
}
