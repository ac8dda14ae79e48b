// Package dora computes the four DORA metrics — deployment frequency, lead
// time for changes, change failure rate and time to restore service — from
// the deployment ledger that deploy-ecs and rollback write, and renders
// them against targets as markdown.
//
// Definitions used (the ledger has one record per service per run):
//
//   - A change deployment is a record that is not a rollback (RollbackOf is
//     empty). Rollback records only count as restores.
//   - Deployment frequency: succeeded change deployments per day of the window.
//   - Lead time for changes: from the commit's time to the end of its first
//     successful deployment (one sample per commit; median and p90).
//   - Change failure rate: failed or rolled-back change deployments over all
//     finished change deployments.
//   - Time to restore: for a rolled-back deployment, its start to its end
//     (the end is when the previous revision was stable again); for a failed
//     one, its start to the end of the next succeeded record of the same
//     service (a deployment or a rollback). Failures never restored in the
//     window are counted as unrestored.
package dora

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/summary"
)

// Targets are the goals a report is measured against.
type Targets struct {
	DeploysPerDay     float64
	LeadTime          time.Duration
	ChangeFailureRate float64 // 0.05 is 5 %
	TimeToRestore     time.Duration
}

// DefaultTargets are the project's design targets: 10+ deployments a day,
// lead time under 1 hour, change failure rate under 5 %, restore under 10
// minutes.
var DefaultTargets = Targets{DeploysPerDay: 10, LeadTime: time.Hour, ChangeFailureRate: 0.05, TimeToRestore: 10 * time.Minute}

// Report holds the metrics of one window.
type Report struct {
	Environment string    `json:"environment,omitempty"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`

	Deployments int     `json:"deployments"` // finished change deployments
	Succeeded   int     `json:"succeeded"`
	Failed      int     `json:"failed"` // failed or rolled back
	Rollbacks   int     `json:"rollbacks"`
	PerDay      float64 `json:"deploymentsPerDay"`

	LeadTimeSamples int           `json:"leadTimeSamples"`
	LeadTimeMedian  time.Duration `json:"leadTimeMedianNs"`
	LeadTimeP90     time.Duration `json:"leadTimeP90Ns"`

	ChangeFailureRate float64 `json:"changeFailureRate"`

	Restores            int           `json:"restores"`
	Unrestored          int           `json:"unrestored"`
	TimeToRestoreMedian time.Duration `json:"timeToRestoreMedianNs"`
}

// CommitTime returns when a commit was made, or false when unknown.
type CommitTime func(sha string) (time.Time, bool)

const (
	outcomeSucceeded  = "succeeded"
	outcomeFailed     = "failed"
	outcomeRolledBack = "rolled-back"
)

// Compute builds the report for records that started in [from, to).
// Records outside the window still serve to find when a failure in the
// window was restored.
func Compute(records []ledger.Record, commitTime CommitTime, from, to time.Time) Report {
	r := Report{From: from, To: to}
	sorted := append([]ledger.Record(nil), records...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start.Before(sorted[j].Start) })

	firstSuccess := map[string]time.Time{} // commit → end of its first successful deployment
	var restores []time.Duration
	for i, rec := range sorted {
		if rec.Start.Before(from) || !rec.Start.Before(to) {
			continue
		}
		if rec.RollbackOf != "" {
			r.Rollbacks++
			continue
		}
		switch rec.Outcome {
		case outcomeSucceeded:
			r.Deployments++
			r.Succeeded++
			if rec.Commit != "" && !rec.End.IsZero() {
				if t, ok := firstSuccess[rec.Commit]; !ok || rec.End.Before(t) {
					firstSuccess[rec.Commit] = rec.End
				}
			}
		case outcomeRolledBack:
			r.Deployments++
			r.Failed++
			if !rec.End.IsZero() && rec.End.After(rec.Start) {
				restores = append(restores, rec.End.Sub(rec.Start))
			} else {
				r.Unrestored++
			}
		case outcomeFailed:
			r.Deployments++
			r.Failed++
			if d, ok := restoredAfter(sorted[i+1:], rec); ok {
				restores = append(restores, d)
			} else {
				r.Unrestored++
			}
		}
	}

	days := to.Sub(from).Hours() / 24
	if days > 0 {
		r.PerDay = float64(r.Succeeded) / days
	}
	if r.Deployments > 0 {
		r.ChangeFailureRate = float64(r.Failed) / float64(r.Deployments)
	}
	var leads []time.Duration
	for sha, end := range firstSuccess {
		if t, ok := commitTime(sha); ok && !end.Before(t) {
			leads = append(leads, end.Sub(t))
		}
	}
	r.LeadTimeSamples = len(leads)
	r.LeadTimeMedian = percentile(leads, 0.5)
	r.LeadTimeP90 = percentile(leads, 0.9)
	r.Restores = len(restores)
	r.TimeToRestoreMedian = percentile(restores, 0.5)
	return r
}

// restoredAfter finds the next succeeded record of the same service.
func restoredAfter(later []ledger.Record, failed ledger.Record) (time.Duration, bool) {
	for _, rec := range later {
		if rec.Cluster == failed.Cluster && rec.Service == failed.Service && rec.Outcome == outcomeSucceeded && !rec.End.IsZero() {
			return rec.End.Sub(failed.Start), true
		}
	}
	return 0, false
}

// percentile is the nearest-rank percentile; 0 for no samples.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(rank, 0)]
}

// Met reports, per metric, whether the report meets the target. A metric
// without data is not met (nothing proves it).
func (r Report) Met(t Targets) map[string]bool {
	return map[string]bool{
		"frequency":    r.PerDay >= t.DeploysPerDay,
		"lead-time":    r.LeadTimeSamples > 0 && r.LeadTimeMedian < t.LeadTime,
		"failure-rate": r.Deployments > 0 && r.ChangeFailureRate < t.ChangeFailureRate,
		"restore":      r.Failed == 0 || (r.Unrestored == 0 && r.TimeToRestoreMedian < t.TimeToRestore),
	}
}

// Markdown renders the report as a job-summary section.
func (r Report) Markdown(t Targets) string {
	b := &summary.Builder{}
	title := "DORA metrics"
	if r.Environment != "" {
		title += ": " + r.Environment
	}
	b.Heading(3, title)
	b.Para("%s to %s · %d change deployments (%d succeeded, %d failed or rolled back), %d rollbacks.",
		r.From.UTC().Format("2006-01-02 15:04"), r.To.UTC().Format("2006-01-02 15:04 MST"), r.Deployments, r.Succeeded, r.Failed, r.Rollbacks)
	met := r.Met(t)
	mark := func(k string) string {
		if met[k] {
			return "✅ met"
		}
		return "❌ not met"
	}
	lead := "no data"
	if r.LeadTimeSamples > 0 {
		lead = fmt.Sprintf("%s median, %s p90 (%d commits)", short(r.LeadTimeMedian), short(r.LeadTimeP90), r.LeadTimeSamples)
	}
	restore := "no failures"
	if r.Failed > 0 {
		restore = fmt.Sprintf("%s median (%d restored", short(r.TimeToRestoreMedian), r.Restores)
		if r.Unrestored > 0 {
			restore += fmt.Sprintf(", %d not restored", r.Unrestored)
		}
		restore += ")"
	}
	b.Table([]string{"Metric", "Value", "Target", "Status"}, [][]string{
		{"Deployment frequency", fmt.Sprintf("%.1f / day", r.PerDay), fmt.Sprintf("≥ %.0f / day", t.DeploysPerDay), mark("frequency")},
		{"Lead time for changes", lead, "< " + short(t.LeadTime), mark("lead-time")},
		{"Change failure rate", fmt.Sprintf("%.1f %%", 100*r.ChangeFailureRate), fmt.Sprintf("< %.0f %%", 100*t.ChangeFailureRate), mark("failure-rate")},
		{"Time to restore service", restore, "< " + short(t.TimeToRestore), mark("restore")},
	})
	return b.String()
}

// short prints a duration rounded for people: 42s, 7m30s, 7m, 2h5m.
func short(d time.Duration) string {
	if d >= time.Hour {
		d = d.Round(time.Minute)
	} else {
		d = d.Round(time.Second)
	}
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}
