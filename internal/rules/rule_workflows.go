package rules

import "github.com/ecsflow/ecsflow/internal/workflowlint"

var ruleActionlint = &Rule{
	ID: "EF911", Category: "workflows", Severity: Error,
	Title:       "Workflow problem found by actionlint",
	Remediation: "Fix the workflow as the message says (see https://github.com/rhysd/actionlint/blob/main/docs/checks.md).",
	Doc:         "The repository's .github/workflows files are linted with actionlint (as a library, with shellcheck for run: scripts when it is installed), so a broken pipeline fails the same gate as broken infrastructure.",
	check:       checkActionlint,
}

func checkActionlint(c *Context) {
	for _, p := range c.in.Workflows {
		c.ReportAt(p.File, p.Line, p.Column, "", "%s [%s]", p.Message, p.Kind)
	}
}

var ruleUnpinnedAction = &Rule{
	ID: "EF912", Category: "workflows", Severity: Warning,
	Title:       "Workflow action not pinned to a commit",
	Remediation: "Pin third-party actions and reusable workflows by full commit SHA (uses: owner/repo@<40-hex> # v1.2.3) and docker:// actions by digest.",
	Doc:         "A tag or branch of a third-party action can be moved to other code after review; the workflow then runs it with the repository's token and cloud credentials. Local actions (./...) are not reported. A release tag (v1, v1.4, v1.4.2) in a job whose environment is known and not production (dev, staging) is reported as a note: following a tag there is the README's advice; production is pinned by commit SHA.",
	check:       checkUnpinnedAction,
}

func checkUnpinnedAction(c *Context) {
	for _, p := range c.in.WorkflowPins {
		c.ReportAt(p.File, p.Line, p.Column, "", "%s", p.Message)
		if p.Kind == workflowlint.KindReleaseTag {
			c.findings[len(c.findings)-1].Severity = Note
		}
	}
}
