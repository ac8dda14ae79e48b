package rules

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ecsflow/ecsflow/internal/planjson"
	"github.com/ecsflow/ecsflow/internal/tfparse"
	"github.com/ecsflow/ecsflow/internal/workflowlint"
)

// Rule is one check in the catalogue.
type Rule struct {
	// ID is stable across releases: EF + three digits.
	ID string
	// Category groups rules in the docs (syntax, structure, ecs ...).
	Category string
	// Severity is the default severity (the config may override it).
	Severity Severity
	// Title is a one-line summary.
	Title string
	// Remediation says how to fix a finding.
	Remediation string
	// Doc explains why the rule exists.
	Doc string
	// judgesValues marks a rule that judges attribute values (sizes,
	// images, ports, CIDRs, policies): where a value is known only at apply
	// time it stays silent, and the unknown-values tests hold it to that.
	// Rules that report a setting left out (no health check, no alarms)
	// leave it false: an unknown value elsewhere cannot hide the gap.
	judgesValues bool
	// check finds problems and reports them through the context.
	check func(c *Context)
}

// Finding is one problem found.
type Finding struct {
	RuleID    string   `json:"rule"`
	Severity  Severity `json:"severity"`
	Title     string   `json:"title"`
	Message   string   `json:"message"`
	File      string   `json:"file,omitempty"`
	Line      int      `json:"line,omitempty"`
	Column    int      `json:"column,omitempty"`
	EndLine   int      `json:"end_line,omitempty"`
	EndColumn int      `json:"end_column,omitempty"`
	// Resource is the Terraform address (or container name) concerned.
	Resource string `json:"resource,omitempty"`
	// Detail is extra text shown below the message (a format diff).
	Detail string `json:"detail,omitempty"`
	// Remediation is the rule's hint.
	Remediation string `json:"remediation,omitempty"`
	// Suppression is the reason given when the finding is suppressed.
	Suppression string `json:"suppression,omitempty"`
	// SuppressedBy is "inline" (an ecsflow:ignore comment) or "config".
	SuppressedBy string `json:"suppressed_by,omitempty"`
}

// TaskDefFile is a task-definition JSON file to check.
type TaskDefFile struct {
	Path string
	Src  []byte
}

// Input is everything the rules look at.
type Input struct {
	// Tree is the loaded Terraform configuration (may be nil).
	Tree *tfparse.Tree
	// TaskDefs are task-definition JSON files.
	TaskDefs []TaskDefFile
	// Plan is the decoded plan JSON (may be nil) read from PlanFile.
	Plan     *planjson.Plan
	PlanFile string
	PlanSrc  []byte
	// Workflows are actionlint's problems with the repository's workflows.
	Workflows []workflowlint.Problem
	// WorkflowPins are uses: references not pinned to a commit SHA.
	WorkflowPins []workflowlint.Problem
	// Config holds the project settings (nil means defaults).
	Config *Config
	// VarFiles are the var files given, used to recognise production.
	VarFiles []string
	// Project is the repository's ecsflow.yaml (nil when it has none).
	Project *ProjectFile
	// Root is the repository root: findings name files relative to it,
	// and the config's ignore paths match them so, wherever the files were
	// read from. Empty leaves the paths as read.
	Root string

	tds     []*taskDef
	tdsDone bool
	// refs are the findings of EF101–EF104 by kind of reference, found in
	// one walk (see checkReferences).
	refs map[string][]Finding
}

// Result is the outcome of a run.
type Result struct {
	// Findings are the active findings, sorted by file, line, rule.
	Findings []Finding
	// Suppressed are findings silenced inline or by the config.
	Suppressed []Finding
}

// Context is what a rule's check sees.
type Context struct {
	in       *Input
	rule     *Rule
	findings []Finding
	prod     bool
}

// Modules returns every loaded module.
func (c *Context) Modules() []*tfparse.Module {
	if c.in.Tree == nil {
		return nil
	}
	return c.in.Tree.Modules
}

// Config returns the effective config.
func (c *Context) Config() *Config { return c.in.Config }

// Production reports whether the configuration is checked for production.
func (c *Context) Production() bool { return c.prod }

// Report records a finding of the running rule at rng.
func (c *Context) Report(rng hcl.Range, resource, format string, args ...any) {
	c.ReportDetail(rng, resource, "", format, args...)
}

// ReportDetail is Report with a detail text.
func (c *Context) ReportDetail(rng hcl.Range, resource, detail, format string, args ...any) {
	c.findings = append(c.findings, Finding{
		RuleID: c.rule.ID, Severity: c.rule.Severity, Title: c.rule.Title,
		Message: fmt.Sprintf(format, args...), File: rng.Filename,
		Line: rng.Start.Line, Column: rng.Start.Column, EndLine: rng.End.Line, EndColumn: rng.End.Column,
		Resource: resource, Detail: detail, Remediation: c.rule.Remediation,
	})
}

// ReportAt records a finding at a file position without an HCL range.
func (c *Context) ReportAt(file string, line, col int, resource, format string, args ...any) {
	c.Report(hcl.Range{Filename: file, Start: hcl.Pos{Line: line, Column: col}, End: hcl.Pos{Line: line, Column: col}}, resource, format, args...)
}

// EachResource calls fn for every instance of every resource of type typ.
func (c *Context) EachResource(typ string, fn func(m *tfparse.Module, inst *tfparse.Instance)) {
	for _, m := range c.Modules() {
		for _, b := range m.ResourcesOfType(typ) {
			for _, inst := range m.Eval.Instances(b) {
				fn(m, inst)
			}
		}
	}
}

// Catalogue returns every rule, sorted by ID.
func Catalogue() []*Rule {
	out := make([]*Rule, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup returns the rule with id.
func Lookup(id string) (*Rule, bool) {
	r, ok := byID[id]
	return r, ok
}

// Run runs every enabled rule over in.
func Run(in Input) Result {
	if in.Config == nil {
		in.Config = DefaultConfig()
	}
	prod := in.Config.isProduction(&in)
	var all []Finding
	for _, r := range catalogue {
		if !in.Config.enabled(r.ID) || r.check == nil {
			continue
		}
		c := &Context{in: &in, rule: r, prod: prod}
		r.check(c)
		if sev, ok := in.Config.severityOverride(r.ID); ok {
			for i := range c.findings {
				c.findings[i].Severity = sev
			}
		}
		all = append(all, c.findings...)
	}
	for i := range all {
		all[i].File = in.relative(all[i].File)
	}
	all = dedupe(all)
	sup := collectSuppressions(&in)
	var res Result
	for _, f := range all {
		if reason, by, ok := sup.match(f, in.Config); ok {
			f.Suppression, f.SuppressedBy = reason, by
			res.Suppressed = append(res.Suppressed, f)
			continue
		}
		res.Findings = append(res.Findings, f)
	}
	res.Findings = append(res.Findings, sup.problems...)
	sortFindings(res.Findings)
	sortFindings(res.Suppressed)
	return res
}

func dedupe(fs []Finding) []Finding {
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		k := fmt.Sprintf("%s|%s|%d|%d|%s", f.RuleID, f.File, f.Line, f.Column, f.Message)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.Message < b.Message
	})
}

// --- inline suppressions ---------------------------------------------------

var ignoreRE = regexp.MustCompile(`(?:#|//)\s*ecsflow:ignore\b[ \t]*([A-Za-z0-9_,]*)[ \t]*(.*)`)

type suppression struct {
	file   string
	line   int
	ids    []string
	reason string
	span   tfparse.Span // block following the comment, if any
}

type suppressions struct {
	byFile   map[string][]suppression
	problems []Finding
}

func collectSuppressions(in *Input) *suppressions {
	s := &suppressions{byFile: map[string][]suppression{}}
	if in.Tree == nil {
		return s
	}
	for _, f := range in.Tree.Files() {
		if f.JSON {
			continue
		}
		lines := strings.Split(string(f.Src), "\n")
		for i, l := range lines {
			if !strings.Contains(l, "ecsflow:ignore") {
				continue
			}
			m := ignoreRE.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			line, path := i+1, in.relative(f.Path)
			sp := suppression{file: path, line: line, reason: strings.TrimSpace(m[2])}
			bad := false
			for _, id := range strings.Split(m[1], ",") {
				id = strings.ToUpper(strings.TrimSpace(id))
				if id == "" {
					continue
				}
				if _, ok := byID[id]; !ok {
					s.problems = append(s.problems, suppressionProblem(path, line, fmt.Sprintf("ecsflow:ignore names unknown rule %s; see docs/rules.md for the rule IDs", id)))
					bad = true
					continue
				}
				sp.ids = append(sp.ids, id)
			}
			if len(sp.ids) == 0 && !bad {
				s.problems = append(s.problems, suppressionProblem(path, line, "ecsflow:ignore needs a rule ID and a reason: # ecsflow:ignore EF204 <reason>"))
				continue
			}
			if sp.reason == "" && len(sp.ids) > 0 {
				s.problems = append(s.problems, suppressionProblem(path, line, fmt.Sprintf("ecsflow:ignore %s has no reason; say why the finding does not apply", strings.Join(sp.ids, ","))))
				continue
			}
			if span, ok := f.BlockStartingAt(line + 1); ok {
				sp.span = span
			}
			s.byFile[path] = append(s.byFile[path], sp)
		}
	}
	return s
}

func suppressionProblem(file string, line int, msg string) Finding {
	r := byID[suppressionRuleID]
	return Finding{RuleID: r.ID, Severity: r.Severity, Title: r.Title, Message: msg, File: file, Line: line, Column: 1, Remediation: r.Remediation}
}

func (s *suppressions) match(f Finding, cfg *Config) (reason, by string, ok bool) {
	if f.RuleID == suppressionRuleID {
		return "", "", false
	}
	for _, sp := range s.byFile[f.File] {
		if !contains(sp.ids, f.RuleID) {
			continue
		}
		if f.Line == sp.line || f.Line == sp.line+1 || (sp.span.Start > 0 && f.Line >= sp.span.Start && f.Line <= sp.span.End) {
			return sp.reason, "inline", true
		}
	}
	for _, ig := range cfg.Ignore {
		if ig.matches(f) {
			return ig.Reason, "config", true
		}
	}
	return "", "", false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// displayPath is path as shown in findings: slash-separated.
func displayPath(p string) string { return filepath.ToSlash(p) }

// relative is p (as read: absolute, or relative to the working directory)
// relative to in.Root, when it lies inside it.
func (in *Input) relative(p string) string {
	if in.Root == "" || p == "" {
		return p
	}
	root, err := filepath.Abs(in.Root)
	if err != nil {
		return p
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return p
	}
	return rel
}
