package rules

import (
	"fmt"
	"strings"
)

// categoryTitles orders and names the categories in the reference.
var categoryTitles = []struct{ key, title string }{
	{"syntax", "Syntax and format"},
	{"structure", "Structure"},
	{"ecs", "ECS and Fargate"},
	{"alb", "Load balancers"},
	{"ecr", "ECR"},
	{"network", "Network"},
	{"iam", "IAM"},
	{"logs", "Logs"},
	{"state", "State"},
	{"dr", "Disaster recovery"},
	{"gitops", "GitOps hygiene"},
	{"services", "Services (ecsflow.yaml)"},
	{"plan", "Plan analysis"},
	{"workflows", "Workflows"},
}

// Markdown renders the rules reference (docs/rules.md) from the catalogue.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# validate rules reference\n\n")
	b.WriteString("<!-- Generated from internal/rules by `go run ./cmd/docgen/rules`; do not edit. -->\n\n")
	b.WriteString("Every finding of the `validate` action names one of these rules. IDs are stable.\n")
	b.WriteString("Severities are defaults; a config file can change or disable them:\n\n")
	b.WriteString("```yaml\n# .ecsflow.yml (pass it as the config input)\nrules:\n  EF209: off\n  EF305: warning\nignore:\n  - rule: EF401\n    paths: [\"modules/legacy/**\"]\n    reason: replaced next quarter\nrequired-tags: [Project, Environment]\nci-deploys: true\nproduction: auto\n```\n\n")
	b.WriteString("Suppress one finding inline with a comment on the line before the block or\nattribute (or at the end of its line); a reason is required:\n\n")
	b.WriteString("```hcl\n# ecsflow:ignore EF401 legacy repository, removed next quarter\nresource \"aws_ecr_repository\" \"legacy\" {\n  name = \"legacy\"\n}\n```\n\n")
	b.WriteString("Values known only at apply time (resource attributes, variables without a\nvalue) never produce a finding.\n\n")
	b.WriteString("| ID | Severity | Title |\n| --- | --- | --- |\n")
	for _, c := range categoryTitles {
		for _, r := range catalogue {
			if r.Category == c.key {
				fmt.Fprintf(&b, "| [%s](#%s) | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Severity, r.Title)
			}
		}
	}
	b.WriteString("\n")
	for _, c := range categoryTitles {
		fmt.Fprintf(&b, "## %s\n\n", c.title)
		for _, r := range catalogue {
			if r.Category != c.key {
				continue
			}
			fmt.Fprintf(&b, "### %s\n\n**%s** · default severity: %s\n\n%s\n\n**Fix:** %s\n\n", r.ID, r.Title, r.Severity, r.Doc, r.Remediation)
		}
	}
	return b.String()
}
