package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/planjson"
	"github.com/ecsflow/ecsflow/internal/rules"
	"github.com/ecsflow/ecsflow/internal/sarif"
	"github.com/ecsflow/ecsflow/internal/summary"
)

// Report is the JSON report (report-json output).
type Report struct {
	Version    string          `json:"version"`
	Roots      []string        `json:"roots"`
	Files      int             `json:"files"`
	DurationMS int64           `json:"duration_ms"`
	Counts     Counts          `json:"counts"`
	Findings   []rules.Finding `json:"findings"`
	Suppressed []rules.Finding `json:"suppressed"`
	Plan       *PlanReport     `json:"plan,omitempty"`
}

// Counts are findings per severity.
type Counts struct {
	Error      int `json:"error"`
	Warning    int `json:"warning"`
	Note       int `json:"note"`
	Suppressed int `json:"suppressed"`
}

// PlanReport is the plan analysis.
type PlanReport struct {
	Changes planjson.Counts        `json:"changes"`
	ByType  []planjson.TypeSummary `json:"by_type"`
	Cost    planjson.CostDelta     `json:"fargate_cost"`
}

// NewReport builds the report of an outcome.
func NewReport(out *Outcome, s *Config) *Report {
	r := &Report{Version: cli.Version(), Roots: s.Roots, Files: out.Files, DurationMS: out.Took.Milliseconds(),
		Findings: out.Result.Findings, Suppressed: out.Result.Suppressed}
	if r.Findings == nil {
		r.Findings = []rules.Finding{}
	}
	if r.Suppressed == nil {
		r.Suppressed = []rules.Finding{}
	}
	for _, f := range out.Result.Findings {
		switch f.Severity {
		case rules.Error:
			r.Counts.Error++
		case rules.Warning:
			r.Counts.Warning++
		default:
			r.Counts.Note++
		}
	}
	r.Counts.Suppressed = len(out.Result.Suppressed)
	if out.Plan != nil {
		total, byType := out.Plan.Summary()
		r.Plan = &PlanReport{Changes: total, ByType: byType}
		if out.Cost != nil {
			r.Plan.Cost = *out.Cost
		}
	}
	return r
}

// maxAnnotations caps annotations per run; the summary and SARIF hold all.
const maxAnnotations = 200

func (r *Report) emit(ctx context.Context, env *cli.Env, s *Config, opts Deps) error {
	c := env.Console
	for i, f := range r.Findings {
		if i == maxAnnotations {
			c.Noticef("%d more findings are in the job summary and SARIF", len(r.Findings)-maxAnnotations)
			break
		}
		c.Annotate(Annotation(f))
	}
	c.Infof("validate: %d files, %d errors, %d warnings, %d notes, %d suppressed (%d ms)",
		r.Files, r.Counts.Error, r.Counts.Warning, r.Counts.Note, r.Counts.Suppressed, r.DurationMS)
	md := r.Markdown()
	c.AddSummary(md)

	if s.SARIFFile != "" {
		log := sarif.Build(rules.Result{Findings: r.Findings, Suppressed: r.Suppressed}, sarif.Options{ToolVersion: cli.Version(),
			HelpURI: "https://github.com/ecsflow/ecsflow/blob/main/docs/rules.md"})
		var buf bytes.Buffer
		if err := sarif.Write(&buf, log); err != nil {
			return fmt.Errorf("failed to encode SARIF: %w", err)
		}
		if err := opts.roots(env).WriteFile(s.SARIFFile, buf.Bytes()); err != nil {
			return err
		}
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("failed to encode the JSON report: %w", err)
	}
	if err := opts.roots(env).WriteFile(s.ReportFile, append(js, '\n')); err != nil {
		return err
	}
	c.SetOutput("findings", strconv.Itoa(len(r.Findings)))
	c.SetOutput("errors", strconv.Itoa(r.Counts.Error))
	c.SetOutput("warnings", strconv.Itoa(r.Counts.Warning))
	c.SetOutput("sarif-file", s.SARIFFile)
	c.SetOutput("report-json", s.ReportFile)

	if s.Comment {
		if err := upsertComment(ctx, env, opts, s.Token, md, s.Roots); err != nil {
			// The verdict does not depend on the comment; say why it is missing.
			c.Warningf("could not update the pull request comment: %v", err)
		}
	}
	return nil
}

// Annotation turns a finding into a GitHub annotation.
func Annotation(f rules.Finding) gha.Annotation {
	lvl := gha.LevelNotice
	switch f.Severity {
	case rules.Error:
		lvl = gha.LevelError
	case rules.Warning:
		lvl = gha.LevelWarning
	}
	a := gha.Annotation{Level: lvl, Title: f.RuleID + " " + f.Title, File: filepath.ToSlash(f.File), Line: f.Line, Col: f.Column, Message: f.Message}
	if f.EndLine > f.Line {
		a.EndLine = f.EndLine
	}
	if f.Remediation != "" {
		a.Message += ". Fix: " + f.Remediation
	}
	return a
}

// CommentMarker starts validate's pull-request comment (followed by the
// roots it covers).
const CommentMarker = "<!-- ecsflow-validate -->"

// Markdown renders the job summary (also the PR comment body).
func (r *Report) Markdown() string {
	var b summary.Builder
	b.Heading(2, "ecsflow validate")
	verdict := "✅ no findings"
	if n := len(r.Findings); n > 0 {
		verdict = fmt.Sprintf("%d finding(s): %d error, %d warning, %d note", n, r.Counts.Error, r.Counts.Warning, r.Counts.Note)
	}
	b.Para("%s · %d files checked in %d ms · %d suppressed", verdict, r.Files, r.DurationMS, r.Counts.Suppressed)
	diffs := r.writeFindings(&b)
	writeDiffs(&b, diffs)
	if r.Plan != nil {
		r.writePlan(&b)
	}
	if len(r.Suppressed) > 0 {
		r.writeSuppressed(&b)
	}
	return b.String()
}

// writeFindings writes a table of findings per severity (at most 100 rows
// each) and returns the findings that carry a formatting diff.
func (r *Report) writeFindings(b *summary.Builder) []rules.Finding {
	groups := []struct {
		sev   rules.Severity
		title string
	}{{rules.Error, "Errors"}, {rules.Warning, "Warnings"}, {rules.Note, "Notes"}}
	var diffs []rules.Finding
	for _, g := range groups {
		var rows [][]string
		for _, f := range r.Findings {
			if f.Severity != g.sev {
				continue
			}
			loc := filepath.ToSlash(f.File)
			if f.Line > 0 {
				loc += ":" + strconv.Itoa(f.Line)
			}
			rows = append(rows, []string{"`" + f.RuleID + "`", "`" + loc + "`", f.Message})
			if f.Detail != "" {
				diffs = append(diffs, f)
			}
		}
		if len(rows) == 0 {
			continue
		}
		const maxRows = 100
		extra := 0
		if len(rows) > maxRows {
			extra = len(rows) - maxRows
			rows = rows[:maxRows]
		}
		b.Heading(3, fmt.Sprintf("%s (%d)", g.title, len(rows)+extra))
		b.Table([]string{"Rule", "Location", "Message"}, rows)
		if extra > 0 {
			b.Para("… and %d more (see SARIF / the JSON report).", extra)
		}
	}
	return diffs
}

// writeDiffs writes the first ten formatting diffs as collapsed sections.
func writeDiffs(b *summary.Builder, diffs []rules.Finding) {
	for i, f := range diffs {
		if i == 10 {
			b.Para("… %d more formatting diffs not shown.", len(diffs)-10)
			break
		}
		b.Details("terraform fmt diff: "+filepath.ToSlash(f.File), "```diff\n"+strings.TrimRight(f.Detail, "\n")+"\n```")
	}
}

// writePlan writes the plan's changes by type and its Fargate cost.
func (r *Report) writePlan(b *summary.Builder) {
	b.Heading(3, "Plan")
	c := r.Plan.Changes
	b.Para("%d to add, %d to change, %d to replace, %d to destroy", c.Create, c.Update, c.Replace, c.Delete)
	if len(r.Plan.ByType) > 0 {
		var rows [][]string
		for _, t := range r.Plan.ByType {
			rows = append(rows, []string{"`" + t.Type + "`", strconv.Itoa(t.Create), strconv.Itoa(t.Update), strconv.Itoa(t.Replace), strconv.Itoa(t.Delete)})
		}
		b.Table([]string{"Type", "Create", "Update", "Replace", "Destroy"}, rows)
	}
	cost := r.Plan.Cost
	if len(cost.Services) == 0 && len(cost.Unknown) == 0 {
		return
	}
	region := cost.Region
	if cost.RegionAssumed {
		region += " (assumed)"
	}
	b.Para("**Fargate cost:** %s/month → %s/month (**%s**), %s prices, %+.0f vCPU-hours and %+.0f GB-hours per month",
		usd(cost.Before), usd(cost.After), signedUSD(cost.Delta), region, cost.VCPUHoursDelta, cost.GBHoursDelta)
	var rows [][]string
	for _, sc := range cost.Services {
		rows = append(rows, []string{"`" + sc.Address + "`", usage(sc.Before), usage(sc.After), signedUSD(sc.Delta)})
	}
	if len(rows) > 0 {
		b.Table([]string{"Service", "Before", "After", "Δ / month"}, rows)
	}
	if len(cost.Unknown) > 0 {
		b.Para("Not estimated (size or count known only after apply): %s", strings.Join(cost.Unknown, ", "))
	}
}

// writeSuppressed writes the suppressed findings in a collapsed section.
func (r *Report) writeSuppressed(b *summary.Builder) {
	var rows [][]string
	for _, f := range r.Suppressed {
		rows = append(rows, []string{"`" + f.RuleID + "`", "`" + filepath.ToSlash(f.File) + ":" + strconv.Itoa(f.Line) + "`", f.Suppression})
	}
	var sb summary.Builder
	sb.Table([]string{"Rule", "Location", "Reason"}, rows)
	b.Details(fmt.Sprintf("%d suppressed finding(s)", len(r.Suppressed)), sb.String())
}

func usd(f float64) string { return fmt.Sprintf("$%.2f", f) }

func signedUSD(f float64) string {
	if f < 0 {
		return fmt.Sprintf("-$%.2f", -f)
	}
	return fmt.Sprintf("+$%.2f", f)
}

func usage(u planjson.Usage) string {
	if u.Tasks == 0 {
		return "—"
	}
	arch := "x86_64"
	if u.ARM {
		arch = "ARM64"
	}
	return fmt.Sprintf("%d × %g vCPU / %g GB %s (%s)", u.Tasks, u.VCPU, u.MemoryGB, arch, usd(u.Monthly))
}
