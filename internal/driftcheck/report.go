package driftcheck

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/summary"
	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// Report is the JSON report.
type Report struct {
	Environment string    `json:"environment"`
	State       string    `json:"state"`
	Serial      int64     `json:"state_serial"`
	CheckedAt   time.Time `json:"checked_at"`
	Drifted     bool      `json:"drifted"`
	Changed     int       `json:"changed"`
	Missing     int       `json:"missing"`
	Unmanaged   int       `json:"unmanaged"`
	Coverage    float64   `json:"coverage_percent"`
	*drift.Result
}

func newReport(cfg *Config, st *tfstate.State, res *drift.Result, now time.Time) *Report {
	return &Report{
		Environment: cfg.Environment, State: cfg.State.String(), Serial: st.Serial, CheckedAt: now.UTC().Truncate(time.Second),
		Drifted: res.Drifted(), Changed: res.Count(drift.Changed), Missing: res.Count(drift.Missing), Unmanaged: res.Count(drift.Unmanaged),
		Coverage: float64(int(res.Coverage()*10)) / 10, Result: res,
	}
}

// Markdown renders the report for the job summary and the issue.
func (r *Report) Markdown() string {
	var b summary.Builder
	if !r.Drifted {
		b.Heading(2, "Drift check: "+r.Environment+" is in sync")
	} else {
		b.Heading(2, "Drift check: "+r.Environment+" drifted")
	}
	b.Para("State `%s` (serial %d), checked %s: %d resources compared, %d changed, %d missing, %d unmanaged, %d expected differences ignored. Coverage %.1f%% (%d of %d live resources in scope managed). %d AWS API calls.",
		r.State, r.Serial, r.CheckedAt.Format(time.RFC3339), r.Checked, r.Changed, r.Missing, r.Unmanaged, r.Ignored, r.Coverage, r.Managed, r.Total, r.Calls)
	titles := map[drift.Class]string{
		drift.Critical: "Critical: deletions, security-group openings, IAM changes",
		drift.Review:   "Requires review",
		drift.Safe:     "Safe to remediate automatically",
	}
	for _, c := range []drift.Class{drift.Critical, drift.Review, drift.Safe} {
		fs := r.ByClass(c)
		if len(fs) == 0 {
			continue
		}
		b.Heading(3, fmt.Sprintf("%s (%d)", titles[c], len(fs)))
		var rows [][]string
		for _, f := range fs {
			name := "`" + f.Name() + "`"
			if len(f.Changes) == 0 {
				rows = append(rows, []string{name, string(f.Kind), "", "", f.Note + remediationNote(f)})
				continue
			}
			for i, ch := range f.Changes {
				note := ""
				if i == 0 {
					note = f.Note + remediationNote(f)
				}
				rows = append(rows, []string{name, string(f.Kind), "`" + ch.Attribute + "`", ch.Before + " → " + ch.After, note})
				name = ""
			}
		}
		b.Table([]string{"Resource", "Drift", "Attribute", "Before → after", "Note"}, rows)
	}
	if len(r.NotChecked) > 0 {
		var rows [][]string
		for _, n := range r.NotChecked {
			perm := ""
			if n.Permission != "" {
				perm = "`" + n.Permission + "`"
			}
			count := fmt.Sprint(len(n.Addresses))
			if len(n.Addresses) == 0 {
				count = "part of each" // e.g. tags could not be read; the rest was compared
			}
			rows = append(rows, []string{"`" + n.Type + "`", count, n.Reason, perm})
		}
		b.Heading(3, "Not checked")
		b.Table([]string{"Type", "Resources", "Reason", "Missing permission"}, rows)
	}
	return b.String()
}

func remediationNote(f drift.Finding) string {
	r := f.Remediation
	if r == nil {
		return ""
	}
	switch {
	case r.Done:
		return " (remediated: " + r.Action + ")"
	case r.Error != "":
		return " (remediation " + r.Action + " not applied: " + r.Error + ")"
	}
	return ""
}

func writeOutputs(env *cli.Env, o Deps, cfg *Config, rep *Report) error {
	roots := outfile.FromEnv(env.Getenv)
	dir := o.ReportDir
	if dir == "" {
		dir = roots.Temp
	}
	base := filepath.Join(dir, "drift-"+cfg.Environment)
	js, _ := json.MarshalIndent(rep, "", "  ")
	md := rep.Markdown()
	if err := roots.WriteFile(base+".json", append(js, '\n')); err != nil {
		return fmt.Errorf("failed to write the JSON report: %w", err)
	}
	if err := roots.WriteFile(base+".md", []byte(md)); err != nil {
		return fmt.Errorf("failed to write the markdown report: %w", err)
	}
	con := env.Console
	con.AddSummary(md)
	con.SetOutput("drifted", fmt.Sprint(rep.Drifted))
	con.SetOutput("changed", fmt.Sprint(rep.Changed))
	con.SetOutput("missing", fmt.Sprint(rep.Missing))
	con.SetOutput("unmanaged", fmt.Sprint(rep.Unmanaged))
	con.SetOutput("coverage", strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", rep.Coverage), "0"), "."))
	con.SetOutput("report-json", base+".json")
	con.SetOutput("report-markdown", base+".md")
	return nil
}
