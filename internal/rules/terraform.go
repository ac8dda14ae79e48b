package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/ecsflow/ecsflow/internal/tffmt"
	"github.com/ecsflow/ecsflow/internal/tfparse"
)

const ruleSuppression = "EF004"

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

// tfbackendValues reads the partial backend configuration files next to a
// root module (*.tfbackend in the module or its backend/ directory).
func tfbackendValues(dir string) []map[string]string {
	var out []map[string]string
	var files []string
	for _, d := range []string{dir, filepath.Join(dir, "backend")} {
		fs, _ := filepath.Glob(filepath.Join(d, "*.tfbackend"))
		files = append(files, fs...)
	}
	sort.Strings(files)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		hf, diags := hclsyntax.ParseConfig(src, f, hcl.InitialPos)
		if diags.HasErrors() {
			continue
		}
		attrs, _ := hf.Body.JustAttributes()
		vals := map[string]string{}
		for name, a := range attrs {
			if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.IsKnown() && !v.IsNull() {
				vals[name] = fmt.Sprint(valueTree(v))
			}
		}
		out = append(out, vals)
	}
	return out
}

// backendSetting resolves a backend attribute from the block or, when the
// block leaves it out, from every partial configuration file.
func backendSetting(m *tfparse.Module, be *tfparse.Block, name string, files []map[string]string) (string, bool) {
	inst := m.Eval.Instances(be)[0]
	if a := be.Attr(name); a != nil {
		v := inst.Eval(a.Expr)
		if !v.IsWhollyKnown() || v.IsNull() {
			return "", false
		}
		return fmt.Sprint(valueTree(v)), true
	}
	if len(files) == 0 {
		return "", true
	}
	val := ""
	for i, f := range files {
		v, ok := f[name]
		if !ok {
			return "", true // at least one environment lacks it
		}
		if i == 0 {
			val = v
		} else if v != val {
			return "", false // differs per environment: judge none
		}
	}
	return val, true
}

func init() {
	register(
		&Rule{ID: "EF001", Category: "syntax", Severity: Error,
			Title:       "File does not parse",
			Remediation: "Fix the syntax error at the reported position; terraform would refuse the whole configuration.",
			Doc:         "Every .tf and .tf.json file is parsed with hashicorp/hcl/v2. A file that does not parse is reported at the exact position of the error; the rest of the tree is still checked.",
			check: func(c *Context) {
				if c.in.Tree == nil {
					return
				}
				for _, f := range c.in.Tree.Files() {
					for _, d := range f.Diags {
						if d.Severity != hcl.DiagError {
							continue
						}
						rng := hcl.Range{Filename: f.Path, Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 1}}
						if d.Subject != nil {
							rng = *d.Subject
						}
						msg := d.Summary
						if d.Detail != "" {
							msg += ": " + d.Detail
						}
						c.Report(rng, "", "%s", msg)
					}
				}
			}},
		&Rule{ID: "EF002", Category: "syntax", Severity: Warning,
			Title:       "File is not formatted like terraform fmt",
			Remediation: "Run terraform fmt (the diff in the finding shows what changes).",
			Doc:         "The check agrees with terraform fmt byte for byte: hclwrite formatting plus the rewrites terraform fmt adds (interpolation-only strings unwrapped, legacy type names, quoted block labels). Formatting noise in reviews hides real changes.",
			check: func(c *Context) {
				if c.in.Tree == nil {
					return
				}
				// Formatting is the costliest check: run it on all cores.
				files := c.in.Tree.Files()
				type result struct {
					out []byte
					ok  bool
				}
				results := make([]result, len(files))
				work := make(chan int)
				var wg sync.WaitGroup
				for w := 0; w < runtime.GOMAXPROCS(0); w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range work {
							f := files[i]
							out, ok := tffmt.CheckPieces(f.Src, f.Path, f.Cuts())
							results[i] = result{out, ok}
						}
					}()
				}
				for i, f := range files {
					if f.JSON || f.Diags.HasErrors() {
						results[i].ok = true
						continue
					}
					work <- i
				}
				close(work)
				wg.Wait()
				for i, f := range files {
					if results[i].ok {
						continue
					}
					out := results[i].out
					diff := tffmt.Diff(displayPath(f.Path), f.Src, out)
					line := firstDiffLine(f.Src, out)
					c.ReportDetail(hcl.Range{Filename: f.Path, Start: hcl.Pos{Line: line, Column: 1}, End: hcl.Pos{Line: line, Column: 1}}, "", diff,
						"%s is not formatted; run terraform fmt", displayPath(f.Path))
				}
			}},
		&Rule{ID: ruleSuppression, Category: "syntax", Severity: Warning,
			Title:       "Malformed ecsflow:ignore comment",
			Remediation: "Write # ecsflow:ignore <RULE-ID> <reason>, with a rule ID from docs/rules.md and a reason.",
			Doc:         "A suppression must name an existing rule and give a reason, so that reviewers can judge it later. A malformed one suppresses nothing and is itself reported (it cannot be suppressed)."},
		&Rule{ID: "EF101", Category: "structure", Severity: Error,
			Title:       "Reference to an undeclared variable",
			Remediation: "Declare the variable in a variable block or fix the name.",
			Doc:         "terraform validate fails on var.x when no variable \"x\" is declared in the module.",
			check:       func(c *Context) { checkReferences(c, "var") }},
		&Rule{ID: "EF102", Category: "structure", Severity: Error,
			Title:       "Reference to an undeclared local value",
			Remediation: "Declare it in a locals block or fix the name.",
			Doc:         "terraform validate fails on local.x when no local value x is declared in the module.",
			check:       func(c *Context) { checkReferences(c, "local") }},
		&Rule{ID: "EF103", Category: "structure", Severity: Error,
			Title:       "Reference to an undeclared resource or data source",
			Remediation: "Declare the resource/data source in this module or fix the address.",
			Doc:         "A reference to a resource or data source that the module does not declare fails terraform validate.",
			check:       func(c *Context) { checkReferences(c, "resource") }},
		&Rule{ID: "EF104", Category: "structure", Severity: Error,
			Title:       "Reference to an undeclared module",
			Remediation: "Declare the module call or fix the name.",
			Doc:         "module.x.output needs a module \"x\" block in the same module.",
			check:       func(c *Context) { checkReferences(c, "module") }},
		&Rule{ID: "EF113", Category: "structure", Severity: Warning,
			Title:       "Var file sets an undeclared variable",
			Remediation: "Fix the variable name in the var file or declare the variable in the root module.",
			Doc:         "Terraform ignores (with a warning) a value for a variable the root module does not declare, so a typo in a .tfvars file silently leaves the default in place. Var files are checked against the roots they lie in.",
			check: func(c *Context) {
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
			}},
		&Rule{ID: "EF105", Category: "structure", Severity: Error,
			Title:       "Duplicate declaration",
			Remediation: "Rename or remove one of the declarations.",
			Doc:         "Two resources, data sources, variables, outputs, module calls or locals with the same address make the configuration invalid.",
			check: func(c *Context) {
				for _, m := range c.Modules() {
					for _, d := range m.Duplicates {
						c.Report(d.Second, d.Address, "%s is declared twice (first at %s:%d)", d.Address, displayPath(d.First.Filename), d.First.Start.Line)
					}
				}
			}},
		&Rule{ID: "EF106", Category: "structure", Severity: Error,
			Title:       "Local module source does not exist",
			Remediation: "Fix the source path (relative to the calling module) or add the module.",
			Doc:         "terraform init fails when a ./ or ../ module source is not a directory.",
			check: func(c *Context) {
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
			}},
		&Rule{ID: "EF107", Category: "structure", Severity: Warning,
			Title:       "Remote module without a pinned version",
			Remediation: "Set version = \"x.y.z\" for registry modules, ?ref=<commit> for git sources.",
			Doc:         "An unpinned module source changes under you: the same commit of your repository plans differently from one day to the next.",
			check: func(c *Context) {
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
			}},
		&Rule{ID: "EF108", Category: "structure", Severity: Warning,
			Title:       "Provider without a version constraint",
			Remediation: "Add the provider to terraform { required_providers { name = { source = ..., version = \"~> x.y\" } } }.",
			Doc:         "Without a version constraint terraform init picks the newest provider, and a major release can change or break the plan. The lock file pins the exact build; the constraint decides what upgrades may pick.",
			check: func(c *Context) {
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
								} else if _, isStr := v.(string); !isStr {
									continue
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
			}},
		&Rule{ID: "EF109", Category: "structure", Severity: Warning,
			Title:       "Root module has no required_version",
			Remediation: "Add terraform { required_version = \">= 1.x, < 2.0.0\" }.",
			Doc:         "Without required_version any Terraform can apply the configuration and upgrade the state format, locking out teammates and CI on the older version.",
			check: func(c *Context) {
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
			}},
		&Rule{ID: "EF110", Category: "state", Severity: Warning,
			Title:       "Root module keeps its state locally",
			Remediation: "Configure a remote backend (s3 with use_lockfile or a DynamoDB table, or HCP Terraform) so state is shared and locked.",
			Doc:         "Local state lives on one machine or CI runner: it is lost with it, cannot be locked, and every environment needs its own copy. A bootstrap root that creates the state bucket itself is not reported.",
			check: func(c *Context) {
				bb := backendBuckets(c)
				for _, m := range c.Modules() {
					if !m.Root || len(m.Files) == 0 || len(m.Resources) == 0 {
						continue
					}
					if len(stateBuckets(m, bb)) > 0 {
						// A bootstrap stack that creates the state bucket
						// cannot keep its own state in it before it exists.
						continue
					}
					remote := false
					var local *tfparse.Block
					for _, tb := range m.BlocksOfType("terraform") {
						if tb.Block("cloud") != nil {
							remote = true
						}
						for _, be := range tb.Blocks("backend") {
							if len(be.Labels) == 1 && be.Labels[0] == "local" {
								local = be
							} else {
								remote = true
							}
						}
					}
					switch {
					case local != nil:
						c.Report(local.DefRange, "", "root module %s uses the local backend", displayPath(m.Dir))
					case !remote:
						c.ReportAt(m.Files[0].Path, 1, 1, "", "root module %s has no backend: state stays on the machine that applies", displayPath(m.Dir))
					}
				}
			}},
		&Rule{ID: "EF111", Category: "state", Severity: Error,
			Title:       "S3 backend without encryption",
			Remediation: "Set encrypt = true (and optionally kms_key_id) in the s3 backend or in every *.tfbackend file.",
			Doc:         "State holds every attribute of every resource, secrets included. encrypt = true makes Terraform write it with server-side encryption.",
			check: func(c *Context) {
				for _, m := range c.Modules() {
					files := tfbackendValues(m.Dir)
					for _, tb := range m.BlocksOfType("terraform") {
						for _, be := range tb.Blocks("backend") {
							if len(be.Labels) != 1 || be.Labels[0] != "s3" {
								continue
							}
							v, known := backendSetting(m, be, "encrypt", files)
							if known && v != "true" {
								c.Report(be.DefRange, "", "s3 backend does not set encrypt = true")
							}
						}
					}
				}
			}},
		&Rule{ID: "EF112", Category: "state", Severity: Error,
			Title:       "S3 backend without state locking",
			Remediation: "Set use_lockfile = true (Terraform >= 1.10) or dynamodb_table in the s3 backend.",
			Doc:         "Without a lock two applies (two CI runs, a person and CI) write the state at the same time and one loses its changes.",
			check: func(c *Context) {
				for _, m := range c.Modules() {
					files := tfbackendValues(m.Dir)
					for _, tb := range m.BlocksOfType("terraform") {
						for _, be := range tb.Blocks("backend") {
							if len(be.Labels) != 1 || be.Labels[0] != "s3" {
								continue
							}
							lf, knownLF := backendSetting(m, be, "use_lockfile", files)
							dt, knownDT := backendSetting(m, be, "dynamodb_table", files)
							if !knownLF || !knownDT {
								continue
							}
							if lf != "true" && dt == "" {
								c.Report(be.DefRange, "", "s3 backend has neither use_lockfile = true nor dynamodb_table: state is not locked")
							}
						}
					}
				}
			}},
	)
}

func firstDiffLine(a, b []byte) int {
	line := 1
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return line
		}
		if a[i] == '\n' {
			line++
		}
	}
	return line
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
