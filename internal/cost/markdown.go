package cost

import (
	"encoding/json"
	"fmt"
	"strings"
)

// JSON is the report as indented JSON, the form the report file takes.
func (r Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("failed to encode the cost report: %w", err)
	}
	return append(b, '\n'), nil
}

// Markdown is the report as a job summary or issue body: the total, one
// line per service, then each recommendation with its risk and change.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Cost optimisation: save $%.2f a month (%.1f %%)\n\n", r.Saving, r.SavingPercent)
	assumed := ""
	if r.RegionAssumed {
		assumed = fmt.Sprintf(" (%s has no row in the price table; %s prices stand in)", r.AskedRegion, r.Region)
	}
	fmt.Fprintf(&b, "$%.2f → $%.2f a month on Fargate list prices for %s%s as of %s; utilisation p95 and max over %g days, headroom target %.0f %%.\n\n",
		r.Monthly, r.After, r.Region, assumed, r.PriceDate, r.LookbackDays, 100*r.Headroom)
	b.WriteString("| Service | Environment | Size | Tasks | p95 cpu / memory | Today | After | Data |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Services {
		use := "–"
		if s.CPU != nil && s.Memory != nil {
			use = fmt.Sprintf("%.0f %% / %.0f %%", 100*s.CPU.P95/float64(s.Size.CPU), 100*s.Memory.P95/float64(s.Size.Memory))
		}
		fmt.Fprintf(&b, "| %s | %s | %d / %d | %d | %s | $%.2f | $%.2f | %s |\n",
			s.Name, s.Environment, s.Size.CPU, s.Size.Memory, s.Tasks, use, s.Monthly, s.After, cell(s.Data))
	}
	for _, s := range r.Services {
		writeService(&b, s)
	}
	return b.String()
}

func writeService(b *strings.Builder, s ServiceReport) {
	if len(s.Recommendations) == 0 && len(s.Notes) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### %s (%s)\n", s.Name, s.Environment)
	for _, rec := range s.Recommendations {
		fmt.Fprintf(b, "\n**%s**: %s, saves $%.2f a month.\nRisk: %s.\n", rec.Kind, rec.Summary, rec.MonthlySaving, rec.Risk)
		if rec.Change.Diff != "" {
			fmt.Fprintf(b, "\n```diff\n%s```\n", rec.Change.Diff)
		}
		if rec.Change.Note != "" {
			fmt.Fprintf(b, "\nChange: %s.\n", rec.Change.Note)
		}
	}
	for _, n := range s.Notes {
		fmt.Fprintf(b, "\n- %s\n", n)
	}
}

// cell keeps a table cell on one line and free of column breaks.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ")
}
