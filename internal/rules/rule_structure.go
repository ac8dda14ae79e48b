package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ecsflow/ecsflow/internal/tfparse"
	"github.com/hashicorp/hcl/v2"
)

var ruleUndeclaredVariable = &Rule{
	ID: "EF101", Category: "structure", Severity: Error,
	Title:       "Reference to an undeclared variable",
	Remediation: "Declare the variable in a variable block or fix the name.",
	Doc:         "terraform validate fails on var.x when no variable \"x\" is declared in the module.",
	check:       checkUndeclaredVariable,
}

func checkUndeclaredVariable(c *Context) { checkReferences(c, "var") }

var ruleUndeclaredLocal = &Rule{
	ID: "EF102", Category: "structure", Severity: Error,
	Title:       "Reference to an undeclared local value",
	Remediation: "Declare it in a locals block or fix the name.",
	Doc:         "terraform validate fails on local.x when no local value x is declared in the module.",
	check:       checkUndeclaredLocal,
}

func checkUndeclaredLocal(c *Context) { checkReferences(c, "local") }

var ruleUndeclaredResource = &Rule{
	ID: "EF103", Category: "structure", Severity: Error,
	Title:       "Reference to an undeclared resource or data source",
	Remediation: "Declare the resource/data source in this module or fix the address.",
	Doc:         "A reference to a resource or data source that the module does not declare fails terraform validate.",
	check:       checkUndeclaredResource,
}

func checkUndeclaredResource(c *Context) { checkReferences(c, "resource") }

var ruleUndeclaredModule = &Rule{
	ID: "EF104", Category: "structure", Severity: Error,
	Title:       "Reference to an undeclared module",
	Remediation: "Declare the module call or fix the name.",
	Doc:         "module.x.output needs a module \"x\" block in the same module.",
	check:       checkUndeclaredModule,
}

func checkUndeclaredModule(c *Context) { checkReferences(c, "module") }

var ruleDuplicateDeclaration = &Rule{
	ID: "EF105", Category: "structure", Severity: Error,
	Title:       "Duplicate declaration",
	Remediation: "Rename or remove one of the declarations.",
	Doc:         "Two resources, data sources, variables, outputs, module calls or locals with the same address make the configuration invalid.",
	check:       checkDuplicateDeclaration,
}

func checkDuplicateDeclaration(c *Context) {
	for _, m := range c.Modules() {
		for _, d := range m.Duplicates {
			c.Report(d.Second, d.Address, "%s is declared twice (first at %s:%d)", d.Address, displayPath(d.First.Filename), d.First.Start.Line)
		}
	}
}

var ruleModuleSourceMissing = &Rule{
	ID: "EF106", Category: "structure", Severity: Error,
	Title:       "Local module source does not exist",
	Remediation: "Fix the source path (relative to the calling module) or add the module.",
	Doc:         "terraform init fails when a ./ or ../ module source is not a directory.",
	check:       checkModuleSourceMissing,
}

func checkModuleSourceMissing(c *Context) {
	for _, m := range c.Modules() {
		for _, call := range m.BlocksOfType("module") {
			dir, ok := tfparse.LocalSource(m, call)
			if !ok {
				continue
			}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				c.Report(rangeOf(call, "source"), call.Address(), "%s: module source %s does not exist", call.Address(), displayPath(dir))
			}
		}
	}
}

var ruleUnpinnedModule = &Rule{
	ID: "EF107", Category: "structure", Severity: Warning,
	Title:       "Remote module without a pinned version",
	Remediation: "Set version = \"x.y.z\" for registry modules, ?ref=<commit> for git sources.",
	Doc:         "An unpinned module source changes under you: the same commit of your repository plans differently from one day to the next.",
	check:       checkUnpinnedModule,
}

func checkUnpinnedModule(c *Context) {
	for _, m := range c.Modules() {
		for _, call := range m.BlocksOfType("module") {
			src, ok := moduleSource(m, call)
			if !ok || strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../") {
				continue
			}
			switch {
			case gitSource.MatchString(src) || strings.Contains(src, ".git"):
				if !anyRef.MatchString(src) {
					c.Report(rangeOf(call, "source"), call.Address(), "%s: git module source %q has no ?ref=", call.Address(), src)
				}
			case registrySource.MatchString(src):
				va := call.Attr("version")
				if va == nil {
					c.Report(call.DefRange, call.Address(), "%s: registry module %q has no version", call.Address(), src)
					continue
				}
				if v, ok := m.Eval.String(va.Expr); ok && !exactVersion.MatchString(strings.TrimSpace(v)) {
					c.Report(va.Range, call.Address(), "%s: version %q of %q is a range; pin an exact version", call.Address(), v, src)
				}
			}
		}
	}
}

var ruleUnconstrainedProvider = &Rule{
	ID: "EF108", Category: "structure", Severity: Warning,
	Title:       "Provider without a version constraint",
	Remediation: "Add the provider to terraform { required_providers { name = { source = ..., version = \"~> x.y\" } } }.",
	Doc:         "Without a version constraint terraform init picks the newest provider, and a major release can change or break the plan. The lock file pins the exact build; the constraint decides what upgrades may pick.",
	check:       checkUnconstrainedProvider,
}

func checkUnconstrainedProvider(c *Context) {
	for _, m := range c.Modules() {
		if !m.Root {
			continue
		}
		declared := map[string]bool{}
		for _, tb := range m.BlocksOfType("terraform") {
			for _, rp := range tb.Blocks("required_providers") {
				for _, a := range rp.Attrs() {
					declared[a.Name] = true
					v := m.Eval.Tree(a.Expr)
					if obj, ok := v.(map[string]any); ok {
						if _, has := obj["version"]; !has {
							c.Report(a.Range, "provider."+a.Name, "provider %s has no version constraint", a.Name)
						}
					}
				}
			}
		}
		used := map[string]hcl.Range{}
		for _, b := range m.Blocks {
			if (b.Type == "resource" || b.Type == "data") && len(b.Labels) == 2 {
				p := strings.SplitN(b.Labels[0], "_", 2)[0]
				if p == "terraform" { // built in: terraform_data, terraform_remote_state
					continue
				}
				if _, seen := used[p]; !seen {
					used[p] = b.DefRange
				}
			}
		}
		names := make([]string, 0, len(used))
		for p := range used {
			names = append(names, p)
		}
		sort.Strings(names)
		for _, p := range names {
			if !declared[p] {
				c.Report(used[p], "provider."+p, "provider %s is used but not listed in required_providers with a version", p)
			}
		}
	}
}

var ruleRequiredVersion = &Rule{
	ID: "EF109", Category: "structure", Severity: Warning,
	Title:       "Root module has no required_version",
	Remediation: "Add terraform { required_version = \">= 1.x, < 2.0.0\" }.",
	Doc:         "Without required_version any Terraform can apply the configuration and upgrade the state format, locking out teammates and CI on the older version.",
	check:       checkRequiredVersion,
}

func checkRequiredVersion(c *Context) {
	for _, m := range c.Modules() {
		if !m.Root || len(m.Files) == 0 {
			continue
		}
		found := false
		for _, tb := range m.BlocksOfType("terraform") {
			if tb.Attr("required_version") != nil {
				found = true
			}
		}
		if !found {
			c.ReportAt(m.Files[0].Path, 1, 1, "", "root module %s has no terraform.required_version", displayPath(m.Dir))
		}
	}
}

var ruleUndeclaredVarFileVariable = &Rule{
	ID: "EF113", Category: "structure", Severity: Warning,
	Title:       "Var file sets an undeclared variable",
	Remediation: "Fix the variable name in the var file or declare the variable in the root module.",
	Doc:         "Terraform ignores (with a warning) a value for a variable the root module does not declare, so a typo in a .tfvars file silently leaves the default in place. Var files are checked against the roots they lie in.",
	check:       checkUndeclaredVarFileVariable,
}

func checkUndeclaredVarFileVariable(c *Context) {
	if c.in.Tree == nil {
		return
	}
	for _, vf := range c.in.Tree.VarFiles {
		for _, m := range c.Modules() {
			if !m.Root || !within(vf.Path, m.Dir) {
				continue
			}
			names := make([]string, 0, len(vf.Sets))
			for n := range vf.Sets {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				if _, ok := m.Variables[n]; !ok {
					c.Report(vf.Sets[n], "var."+n, "%s sets %s, which %s does not declare", displayPath(vf.Path), n, displayPath(m.Dir))
				}
			}
		}
	}
}

var ruleRequiredTags = &Rule{
	ID: "EF120", Category: "structure", Severity: Warning,
	Title:       "Resource misses required tags",
	Remediation: "Add the tags in the resource's tags or in the aws provider's default_tags.",
	Doc:         "Only active when the config lists required-tags. Tags from the aws provider's default_tags count; resources whose tags are unknown until apply are not reported.",
	check:       checkRequiredTags,
}

func checkRequiredTags(c *Context) {
	req := c.Config().RequiredTags
	if len(req) == 0 {
		return
	}
	for _, m := range c.Modules() {
		defaults := map[string]bool{}
		unknownDefaults := false
		for _, p := range m.BlocksOfType("provider") {
			if p.Name() != "aws" {
				continue
			}
			if dt := p.Block("default_tags"); dt != nil {
				if a := dt.Attr("tags"); a != nil {
					tm := treeMap(m.Eval.Tree(a.Expr))
					if tm == nil {
						unknownDefaults = true
					}
					for k := range tm {
						defaults[k] = true
					}
				}
			}
		}
		if unknownDefaults {
			continue
		}
		for _, b := range m.Blocks {
			if b.Type != "resource" || len(b.Labels) != 2 || !taggable[b.Labels[0]] {
				continue
			}
			for _, inst := range m.Eval.Instances(b) {
				have := map[string]bool{}
				if a := b.Attr("tags"); a != nil {
					tm := treeMap(inst.Tree(a.Expr))
					if tm == nil {
						continue // unknown until apply
					}
					for k := range tm {
						have[k] = true
					}
				}
				var missing []string
				for _, t := range req {
					if !have[t] && !defaults[t] {
						missing = append(missing, t)
					}
				}
				if len(missing) > 0 {
					c.Report(b.DefRange, inst.Address(), "%s misses required tags: %s", inst.Address(), strings.Join(missing, ", "))
				}
			}
		}
	}
}

// taggable are common AWS types that take tags.
var taggable = map[string]bool{
	"aws_ecs_cluster": true, "aws_ecs_service": true, "aws_ecs_task_definition": true,
	"aws_lb": true, "aws_alb": true, "aws_lb_target_group": true, "aws_alb_target_group": true,
	"aws_lb_listener": true, "aws_ecr_repository": true, "aws_s3_bucket": true,
	"aws_cloudwatch_log_group": true, "aws_cloudwatch_metric_alarm": true, "aws_security_group": true,
	"aws_iam_role": true, "aws_iam_policy": true, "aws_vpc": true, "aws_subnet": true,
	"aws_nat_gateway": true, "aws_internet_gateway": true, "aws_eip": true, "aws_route_table": true,
	"aws_efs_file_system": true, "aws_kms_key": true, "aws_secretsmanager_secret": true,
	"aws_dynamodb_table": true, "aws_vpc_endpoint": true, "aws_sns_topic": true,
	"aws_service_discovery_private_dns_namespace": true, "aws_service_discovery_service": true,
	"aws_db_instance": true, "aws_rds_cluster": true,
}

// specialRoots are reference roots that are not resources.
var specialRoots = map[string]bool{
	"var": true, "local": true, "module": true, "data": true, "path": true, "terraform": true,
	"each": true, "count": true, "self": true, "ephemeral": true,
}

// walkExprs calls fn for every attribute expression under b, with the
// names valid as iterators there (dynamic block iterators).
func walkExprs(b *tfparse.Block, scope []string, fn func(a *tfparse.Attribute, scope []string)) {
	for _, a := range b.Attrs() {
		fn(a, scope)
	}
	for _, nb := range b.AllBlocks() {
		inner := scope
		if nb.Type == "dynamic" && len(nb.Labels) == 1 {
			it := nb.Labels[0]
			if ia := nb.Attr("iterator"); ia != nil {
				if tr, diags := hcl.AbsTraversalForExpr(ia.Expr); !diags.HasErrors() {
					it = tr.RootName()
				}
			}
			inner = append(append([]string(nil), scope...), it)
		}
		walkExprs(nb, inner, fn)
	}
}

// skipRefs are attributes whose expressions are not value references.
func skipRefs(blockType, attr string) bool {
	switch attr {
	case "provider", "providers", "ignore_changes", "type":
		return true
	}
	return false
}

// referenceKinds are the kinds of reference EF101–EF104 check, one rule
// each.
var referenceKinds = []string{"var", "local", "resource", "module"}

// checkReferences reports the references of one kind to something the
// module does not declare. One walk over every expression finds the
// references of all kinds, the first time one of the rules runs: in a large
// file each resource's body is parsed again when read, so four walks would
// parse it four times.
func checkReferences(c *Context, want string) {
	if c.in.refs == nil {
		c.in.refs = findReferences(c)
	}
	for _, f := range c.in.refs[want] {
		f.RuleID, f.Severity, f.Title, f.Remediation = c.rule.ID, c.rule.Severity, c.rule.Title, c.rule.Remediation
		c.findings = append(c.findings, f)
	}
}

// findReferences walks every expression once and returns, by kind, the
// findings of references to undeclared names (to be stamped with the rule
// that reports them).
func findReferences(c *Context) map[string][]Finding {
	byKind := map[string]*Context{}
	for _, k := range referenceKinds {
		byKind[k] = &Context{in: c.in, rule: c.rule, prod: c.prod}
	}
	for _, m := range c.Modules() {
		broken := brokenSources(m)
		for _, b := range m.Blocks {
			switch b.Type {
			case "moved", "import", "removed", "terraform":
				continue
			}
			check := func(a *tfparse.Attribute, scope []string) {
				if skipRefs(b.Type, a.Name) {
					return
				}
				for _, tr := range a.Expr.Variables() {
					for _, k := range referenceKinds {
						reportRef(byKind[k], m, tr, scope, k, broken)
					}
				}
			}
			if b.File.JSON {
				// Without a schema JSON bodies hold attributes only.
				for _, a := range b.Attrs() {
					check(a, nil)
				}
				continue
			}
			walkExprs(b, nil, check)
		}
	}
	out := make(map[string][]Finding, len(referenceKinds))
	for k, kc := range byKind {
		out[k] = kc.findings
	}
	return out
}

func reportRef(c *Context, m *tfparse.Module, tr hcl.Traversal, scope []string, want string, broken [][]byte) {
	root := tr.RootName()
	attr := func(i int) (string, bool) {
		if len(tr) <= i {
			return "", false
		}
		at, ok := tr[i].(hcl.TraverseAttr)
		return at.Name, ok
	}
	rng := tr.SourceRange()
	report := func(resource, format string, args ...any) {
		// A file that does not parse may declare it: EF001 reports that
		// file, and a reference to what it holds is not undeclared.
		name := resource[strings.LastIndex(resource, ".")+1:]
		for _, src := range broken {
			if bytes.Contains(src, []byte(`"`+name+`"`)) || bytes.Contains(src, []byte(name+" ")) || bytes.Contains(src, []byte(name+"=")) {
				return
			}
		}
		c.Report(rng, resource, format, args...)
	}
	// var.x, local.x and module.x: one name after the root, checked against
	// the module's declarations of that kind.
	named := map[string]struct {
		noun     string
		declared func(string) bool
	}{
		"var":    {"variable", func(n string) bool { _, ok := m.Variables[n]; return ok }},
		"local":  {"local value", func(n string) bool { _, ok := m.Locals[n]; return ok }},
		"module": {"module", func(n string) bool { _, ok := m.ModuleCalls[n]; return ok }},
	}
	if k, ok := named[root]; ok {
		if want != root {
			return
		}
		if n, ok := attr(1); ok && !k.declared(n) {
			report(root+"."+n, "reference to undeclared %s %s.%s", k.noun, root, n)
		}
		return
	}
	switch root {
	case "data":
		if want != "resource" {
			return
		}
		t, ok1 := attr(1)
		n, ok2 := attr(2)
		if ok1 && ok2 {
			if _, declared := m.DataSources[t+"."+n]; !declared {
				report("data."+t+"."+n, "reference to undeclared data source data.%s.%s", t, n)
			}
		}
	default:
		if want != "resource" || specialRoots[root] || contains(scope, root) || !strings.Contains(root, "_") {
			return
		}
		if n, ok := attr(1); ok {
			if _, declared := m.Resources[root+"."+n]; !declared {
				report(root+"."+n, "reference to undeclared resource %s.%s", root, n)
			}
		}
	}
}

// within reports whether path lies inside dir.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// brokenSources returns the sources of the module's files that do not parse.
func brokenSources(m *tfparse.Module) [][]byte {
	var out [][]byte
	for _, f := range m.Files {
		if f.Diags.HasErrors() {
			out = append(out, f.Src)
		}
	}
	return out
}
