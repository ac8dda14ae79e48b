package rules

import (
	"runtime"
	"sync"

	"github.com/ecsflow/ecsflow/internal/tffmt"
	"github.com/hashicorp/hcl/v2"
)

var ruleParse = &Rule{
	ID: "EF001", Category: "syntax", Severity: Error,
	Title:       "File does not parse",
	Remediation: "Fix the syntax error at the reported position; terraform would refuse the whole configuration.",
	Doc:         "Every .tf and .tf.json file is parsed with hashicorp/hcl/v2. A file that does not parse is reported at the exact position of the error; the rest of the tree is still checked.",
	check:       checkParse,
}

func checkParse(c *Context) {
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
}

var ruleFormat = &Rule{
	ID: "EF002", Category: "syntax", Severity: Warning,
	Title:       "File is not formatted like terraform fmt",
	Remediation: "Run terraform fmt (the diff in the finding shows what changes).",
	Doc:         "The check agrees with terraform fmt byte for byte: hclwrite formatting plus the rewrites terraform fmt adds (interpolation-only strings unwrapped, legacy type names, quoted block labels). Formatting noise in reviews hides real changes.",
	check:       checkFormat,
}

func checkFormat(c *Context) {
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
}

var ruleContainerDefinitions = &Rule{
	ID: "EF003", Category: "syntax", Severity: Error,
	Title:       "Container definitions are not valid",
	Remediation: "Write container_definitions as jsonencode([...]) or a JSON list of container objects.",
	Doc:         "Container definitions that ECS cannot parse fail at apply or at register time. Validate checks them whether they are written inline with jsonencode, as a heredoc, with file()/templatefile() or in a task-definition JSON file.",
	check:       checkContainerDefinitions,
}

func checkContainerDefinitions(c *Context) {
	for _, td := range c.in.taskDefs() {
		if td.containers.invalid != "" {
			c.Report(td.containers.base, td.address, "%s: %s", td.address, td.containers.invalid)
		}
	}
}

var ruleSuppression = &Rule{
	ID: suppressionRuleID, Category: "syntax", Severity: Warning,
	Title:       "Malformed ecsflow:ignore comment",
	Remediation: "Write # ecsflow:ignore <RULE-ID> <reason>, with a rule ID from docs/rules.md and a reason.",
	Doc:         "A suppression must name an existing rule and give a reason, so that reviewers can judge it later. A malformed one suppresses nothing and is itself reported (it cannot be suppressed).",
}

const suppressionRuleID = "EF004"

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
