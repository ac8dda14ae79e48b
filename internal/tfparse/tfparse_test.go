package tfparse

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

const corpus = "testdata/corpus/root"

func loadCorpus(t *testing.T, varFiles ...string) *Tree {
	t.Helper()
	tree, err := Load([]string{corpus}, Options{VarFiles: varFiles})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func evalLocal(t *testing.T, m *Module, name string) cty.Value {
	t.Helper()
	a, ok := m.Locals[name]
	if !ok {
		t.Fatalf("local %s not found", name)
	}
	return m.Eval.Eval(a.Expr)
}

// TestCorpusParsesAndEvaluates loads a module tree with for_each, count,
// dynamic blocks, templatefile, heredocs with directives and .tf.json,
// and evaluates every attribute of every block without a parse error or a
// panic.
func TestCorpusParsesAndEvaluates(t *testing.T) {
	t.Parallel()
	tree := loadCorpus(t, filepath.Join(corpus, "env/prod.tfvars"))
	// modules/service is called with for_each over two services: one copy
	// per instance.
	if len(tree.Modules) != 3 {
		t.Fatalf("want root and modules/service twice, got %d modules", len(tree.Modules))
	}
	for _, f := range tree.Files() {
		if f.Diags.HasErrors() {
			t.Errorf("%s: %s", f.Path, f.Diags.Error())
		}
	}
	var walk func(inst *Instance, b *Block)
	n := 0
	walk = func(inst *Instance, b *Block) {
		for _, a := range b.Attrs() {
			inst.Eval(a.Expr)
			inst.Tree(a.Expr)
			n++
		}
		for _, nb := range b.AllBlocks() {
			walk(inst, nb)
		}
	}
	for _, m := range tree.Modules {
		for _, b := range m.Blocks {
			for _, inst := range m.Eval.Instances(b) {
				walk(inst, b)
			}
		}
	}
	if n < 60 {
		t.Fatalf("evaluated only %d attributes", n)
	}
}

func TestValueResolution(t *testing.T) {
	t.Parallel()
	tree := loadCorpus(t, filepath.Join(corpus, "env/prod.tfvars"), filepath.Join(corpus, "env/override.tfvars.json"))
	root := tree.Modules[0]
	if got := evalLocal(t, root, "name"); !got.RawEquals(cty.StringVal("acme-prod")) {
		t.Errorf("local.name = %#v; var-files must override defaults, later files win", got)
	}
	svcs := evalLocal(t, root, "services")
	if !svcs.IsWhollyKnown() {
		t.Fatalf("local.services should be known: %#v", svcs)
	}
	web := svcs.GetAttr("web")
	if cpu := web.GetAttr("cpu"); !cpu.RawEquals(cty.NumberIntVal(1024)) {
		t.Errorf("web cpu = %#v", cpu)
	}
	if mem := svcs.GetAttr("api").GetAttr("memory"); !mem.RawEquals(cty.NumberIntVal(1024)) {
		t.Errorf("api memory = %#v", mem)
	}
	// An optional attribute left out is null after type conversion, and
	// merge() lets the null win, as in Terraform.
	if cpu := svcs.GetAttr("api").GetAttr("cpu"); !cpu.IsNull() {
		t.Errorf("api cpu = %#v, want null", cpu)
	}
	if got := evalLocal(t, root, "public"); !got.RawEquals(cty.TupleVal([]cty.Value{cty.StringVal("web")})) {
		t.Errorf("local.public = %#v", got)
	}
	if got := evalLocal(t, root, "cycle_a"); got.IsKnown() {
		t.Errorf("a local in a cycle must be unknown, got %#v", got)
	}
	if got := evalLocal(t, root, "json_local"); !got.RawEquals(cty.StringVal("from-json-x")) {
		t.Errorf("local from .tf.json = %#v", got)
	}
	// account_id is unset, so templatefile's result is unknown.
	if pol := evalLocal(t, root, "policy"); pol.IsKnown() {
		t.Errorf("templatefile with an unknown variable must be unknown, got %#v", pol)
	}
}

func TestUnknownsStayUnknown(t *testing.T) {
	t.Parallel()
	tree := loadCorpus(t) // no var files: environment has no value
	root := tree.Modules[0]
	if got := evalLocal(t, root, "name"); got.IsKnown() {
		t.Errorf("local.name depends on an unset variable and must be unknown, got %#v", got)
	}
	// A known default still resolves.
	if got := root.Eval.VarValue("project"); !got.RawEquals(cty.StringVal("demo")) {
		t.Errorf("var.project = %#v", got)
	}
	sg := root.Resources["aws_security_group.alb"]
	inst := root.Eval.Instances(sg)[0]
	for _, in := range sg.Blocks("ingress") {
		if !in.Dynamic {
			t.Errorf("dynamic content not marked")
		}
		if v := inst.Eval(in.Attr("from_port").Expr); v.IsKnown() {
			t.Errorf("iterator value must be unknown, got %#v", v)
		}
	}
	// Resource attributes are unknown but do not break the rest of a template.
	img := root.ModuleCalls["service"].Attr("image")
	tr := root.Eval.Tree(img.Expr)
	if s, ok := tr.(string); !ok || !HasUnknown(s) {
		t.Errorf("image template = %#v", tr)
	}
}

func TestModuleArgumentsFlowIntoChild(t *testing.T) {
	t.Parallel()
	tree := loadCorpus(t, filepath.Join(corpus, "env/prod.tfvars"))
	if len(tree.Modules) != 3 {
		t.Fatalf("modules: %d", len(tree.Modules))
	}
	api, web := tree.Modules[1], tree.Modules[2]
	if !strings.HasSuffix(filepath.ToSlash(web.Dir), "modules/service") || api.Dir != web.Dir {
		t.Fatalf("copies of modules/service expected: %s %s", api.Dir, web.Dir)
	}
	// each.value of the call flows into each copy's variables.
	if v := web.Eval.VarValue("cpu"); !v.RawEquals(cty.NumberIntVal(1024)) {
		t.Errorf("web var.cpu = %#v", v)
	}
	if v := api.Eval.VarValue("memory"); !v.RawEquals(cty.NumberIntVal(1024)) {
		t.Errorf("api var.memory = %#v", v)
	}
	if v := web.Eval.VarValue("name"); !v.RawEquals(cty.StringVal("web")) {
		t.Errorf("web var.name = %#v", v)
	}
	// Files are shared, not duplicated.
	if len(tree.Files()) != len(tree.Modules[0].Files)+len(web.Files) {
		t.Errorf("files listed twice: %d", len(tree.Files()))
	}
	td := web.Resources["aws_ecs_task_definition.this"]
	tree2 := web.Eval.Instances(td)[0].Tree(td.Attr("container_definitions").Expr)
	s, ok := tree2.(string)
	if !ok || !strings.Contains(s, `"name": "web"`) || !strings.Contains(s, `"essential": true`) {
		t.Fatalf("templatefile should render with the instance's values, got %#v", tree2)
	}

	// Without var files the services are unknown: one copy, unknown values.
	tree = loadCorpus(t)
	if len(tree.Modules) != 2 {
		t.Fatalf("modules without var files: %d", len(tree.Modules))
	}
	if v := tree.Modules[1].Eval.VarValue("cpu"); v.IsKnown() {
		t.Errorf("var.cpu from an unknown for_each must be unknown, got %#v", v)
	}
}

func TestForEachInstances(t *testing.T) {
	t.Parallel()
	tree := loadCorpus(t, filepath.Join(corpus, "env/prod.tfvars"))
	root := tree.Modules[0]
	insts := root.Eval.Instances(root.Resources["aws_ecr_repository.this"])
	var addrs []string
	for _, i := range insts {
		addrs = append(addrs, i.Address())
	}
	if strings.Join(addrs, " ") != `aws_ecr_repository.this["api"] aws_ecr_repository.this["web"]` {
		t.Errorf("instances: %v", addrs)
	}
	name := insts[1].Eval(root.Resources["aws_ecr_repository.this"].Attr("name").Expr)
	if !name.RawEquals(cty.StringVal("demo-prod/web")) {
		t.Errorf("each.key not bound: %#v", name)
	}
	sub := root.Eval.Instances(root.Resources["aws_subnet.private"])
	if len(sub) != 2 {
		t.Errorf("count = length(local.azs) should expand to 2, got %d", len(sub))
	}
}

func TestSyntaxErrorsKeepPositionsAndTheRest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.tf", "resource \"aws_s3_bucket\" \"ok\" {\n  bucket = \"ok\"\n}\n")
	write("b.tf", "resource \"aws_s3_bucket\" \"bad\" {\n  bucket = \"unterminated\n}\n")
	write("c.tf.json", `{"resource": {"aws_s3_bucket": {"j": {"bucket": }}}}`)
	tree, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := tree.Modules[0]
	if _, ok := m.Resources["aws_s3_bucket.ok"]; !ok {
		t.Error("the valid file must still be loaded")
	}
	var bad []*File
	for _, f := range m.Files {
		if f.Diags.HasErrors() {
			bad = append(bad, f)
		}
	}
	if len(bad) != 2 {
		t.Fatalf("want 2 broken files, got %d", len(bad))
	}
	if r := bad[0].Diags[0].Subject; r == nil || r.Start.Line != 2 {
		t.Errorf("b.tf error position %v, want line 2", bad[0].Diags[0].Subject)
	}
	if r := bad[1].Diags[0].Subject; r == nil || r.Start.Line != 1 || r.Start.Column < 40 {
		t.Errorf("c.tf.json error position %v", bad[1].Diags[0].Subject)
	}
}

func TestVarFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tfvars")
	if err := os.WriteFile(bad, []byte("x = \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bad, filepath.Join(dir, "missing.tfvars")} {
		_, err := Load([]string{corpus}, Options{VarFiles: []string{p}})
		var vfe *VarFileError
		if !errors.As(err, &vfe) || vfe.Path != p {
			t.Errorf("%s: got %v, want a VarFileError naming it", p, err)
		}
	}
}

func TestBlockSpans(t *testing.T) {
	t.Parallel()
	f := ParseFile("x.tf", []byte("# c\nresource \"a\" \"b\" {\n  x {\n  }\n}\n"))
	if sp, ok := f.BlockStartingAt(2); !ok || sp.End != 5 {
		t.Errorf("span at 2: %v %v", sp, ok)
	}
	if sp, ok := f.BlockStartingAt(3); !ok || sp.End != 4 {
		t.Errorf("span at 3: %v %v", sp, ok)
	}
	if _, ok := f.BlockStartingAt(1); ok {
		t.Error("no block starts on line 1")
	}
	_ = hcl.Pos{}
}

func TestExtraFunctions(t *testing.T) {
	t.Parallel()
	cases := map[string]cty.Value{
		`one(["a"])`:                       cty.StringVal("a"),
		`one([])`:                          cty.NullVal(cty.DynamicPseudoType),
		`sensitive("x")`:                   cty.StringVal("x"),
		`nonsensitive(upper("x"))`:         cty.StringVal("X"),
		`startswith("abc", "ab")`:          cty.True,
		`base64decode(base64encode("hi"))`: cty.StringVal("hi"),
		`try(var.nope, "fallback")`:        cty.StringVal("fallback"),
	}
	for src, want := range cases {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "x.tf", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		got, diags := expr.Value(&hcl.EvalContext{Functions: baseFuncs, Variables: map[string]cty.Value{"var": cty.EmptyObjectVal}})
		if diags.HasErrors() || !got.RawEquals(want) {
			t.Errorf("%s = %#v (%v), want %#v", src, got, diags, want)
		}
	}
}

// TestModuleCyclesDoNotHang: a module that calls itself or its caller is
// invalid Terraform, but loading and evaluating it must finish.
func TestModuleCyclesDoNotHang(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"main.tf":   "module \"a\" {\n  source = \"./a\"\n  x      = 1\n}\n",
		"a/main.tf": "variable \"x\" {}\nmodule \"b\" {\n  source = \"../b\"\n  y      = var.x\n}\nmodule \"self\" {\n  source = \"./\"\n  x      = var.x\n}\nlocals {\n  v = var.x\n}\n",
		"b/main.tf": "variable \"y\" {}\nmodule \"a\" {\n  source = \"../a\"\n  x      = var.y\n}\nlocals {\n  w = var.y\n}\n",
	}
	for p, c := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Modules) != 3 {
		t.Fatalf("modules: %d", len(tree.Modules))
	}
	for _, m := range tree.Modules {
		for _, a := range m.Locals {
			m.Eval.Eval(a.Expr)
		}
	}
	a := tree.Modules[1]
	if v := a.Eval.VarValue("x"); !v.RawEquals(cty.NumberIntVal(1)) {
		t.Errorf("a.x = %#v; the root's argument should flow in", v)
	}
}
