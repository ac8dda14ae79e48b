package deploy

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecsflow/ecsflow/internal/summary"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// Headline is a one-line verdict for the ::error line and logs.
func (r *Result) Headline() string {
	var parts []string
	for _, s := range r.Services {
		if s.Status == Succeeded || s.Status == Started {
			continue
		}
		line := fmt.Sprintf("%s %s", s.Service, s.Status)
		if len(s.Reasons) > 0 {
			line += ": " + s.Reasons[0]
		}
		if len(s.Explanation) > 0 {
			line += " (" + s.Explanation[0] + ")"
		}
		if s.Note != "" && r.Cancelled {
			line += "; " + s.Note
		}
		parts = append(parts, line)
	}
	if len(r.Skipped) > 0 {
		parts = append(parts, "not deployed: "+strings.Join(r.Skipped, ", "))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("deployment %s", r.Status)
	}
	return fmt.Sprintf("deployment %s: %s", r.Status, strings.Join(parts, "; "))
}

func dur(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	return d.Round(time.Second).String()
}

func offset(start, t time.Time) string {
	d := t.Sub(start).Round(time.Second)
	return fmt.Sprintf("+%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// Markdown renders the job summary: verdict, one row per service, why a
// service failed, and the timeline with offsets from the start.
func (r *Result) Markdown(title string) string {
	var b summary.Builder
	icon := map[Status]string{Succeeded: "✅", Started: "▶️", RolledBack: "↩️", Failed: "❌"}[r.Status]
	b.Heading(2, fmt.Sprintf("%s %s: %s in %s", icon, title, r.Status, dur(r.End.Sub(r.Start))))
	if r.Cancelled {
		b.Para("**The run was cancelled.** Each service's state at exit is in the table below.")
	}
	var rows [][]string
	for _, s := range r.Services {
		rows = append(rows, []string{s.Service, string(s.Status), strings.ToLower(s.Strategy), taskdef.FamilyRevision(s.TaskDefinition), taskdef.FamilyRevision(s.Previous), taskdef.FamilyRevision(s.LeftOn), dur(s.Finished.Sub(s.Started)), s.Note})
	}
	for _, n := range r.Skipped {
		rows = append(rows, []string{n, "skipped", "", "", "", "", "", "not deployed: an earlier wave failed"})
	}
	b.Table([]string{"Service", "Status", "Strategy", "New revision", "Previous", "Left on", "Duration", "Note"}, rows)
	for _, s := range r.Services {
		if (s.Status == Succeeded || s.Status == Started) && len(s.Reasons) == 0 {
			continue
		}
		b.Heading(3, fmt.Sprintf("Why %s %s", s.Service, s.Status))
		var items []string
		items = append(items, s.Reasons...)
		items = append(items, s.Explanation...)
		if !s.RollbackDone.IsZero() {
			by := s.RollbackBy
			items = append(items, fmt.Sprintf("recovered by %s: rollback to %s steady %s after the failure was detected", by, taskdef.FamilyRevision(s.Previous), dur(s.RollbackDone.Sub(s.FailureDetected))))
		}
		b.Bullets(items...)
		if len(s.Events) > 0 {
			ev := s.Events
			if len(ev) > 20 {
				ev = ev[len(ev)-20:]
			}
			b.Details(fmt.Sprintf("Service events since the deployment began (%d)", len(s.Events)), "- "+strings.Join(ev, "\n- "))
		}
	}
	if len(r.Timeline) > 0 {
		var tl [][]string
		for _, e := range r.Timeline {
			tl = append(tl, []string{offset(r.Start, e.At), e.Service, e.What})
		}
		b.Heading(3, "Timeline")
		b.Table([]string{"At", "Service", "Event"}, tl)
	}
	return b.String()
}
