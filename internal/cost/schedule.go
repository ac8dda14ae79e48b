package cost

import (
	"fmt"
	"regexp"
	"strings"
)

// schedule recommends stopping a service outside working hours in the
// environments listed for it (dev by default), through two Application
// Auto Scaling scheduled actions: scale to zero at the end of the day,
// back at its start.
func schedule(s *subject) *Recommendation {
	o := s.opts
	if !containsFold(o.ScaleToZero, s.svc.Environment) || o.isProd(s.svc.Environment) || s.svc.Scheduled || s.next.Tasks == 0 {
		return nil
	}
	w := o.WorkingHours
	s.next.Running = w.RunningShare()
	return &Recommendation{
		Kind: KindSchedule,
		Summary: fmt.Sprintf("scale to zero outside %02d:00-%02d:00 %s, %s (runs %.0f %% of the week)",
			w.Start, w.End, w.TimeZone, weekdays(w.Weekdays), 100*s.next.Running),
		Risk:   "the service is down outside working hours; the first requests after the start wait for tasks to start and pass health checks",
		Change: scheduleChange(s.svc, w, s.next.Tasks),
	}
}

var dayNames = []string{"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"}

func weekdays(n int) string { return dayNames[0] + "-" + dayNames[n-1] }

var notIdent = regexp.MustCompile(`[^A-Za-z0-9_]`)

// scheduleChange adds the scheduled actions (and a scaling target when the
// service has none) after the service's block.
func scheduleChange(svc Service, w WorkingHours, tasks int) Change {
	name := notIdent.ReplaceAllString(svc.Name, "_")
	minC, maxC := tasks, tasks
	if svc.Scaling != nil {
		minC, maxC = svc.Scaling.Min, svc.Scaling.Max
	}
	target := fmt.Sprintf("aws_appautoscaling_target.%s", name)
	var lines []string
	if svc.Scaling == nil {
		lines = append(lines, "",
			fmt.Sprintf(`resource "aws_appautoscaling_target" %q {`, name),
			`  service_namespace  = "ecs"`,
			fmt.Sprintf(`  resource_id        = "service/%s/%s"`, svc.Cluster, svc.Name),
			`  scalable_dimension = "ecs:service:DesiredCount"`,
			fmt.Sprintf(`  min_capacity       = %d`, minC),
			fmt.Sprintf(`  max_capacity       = %d`, maxC),
			"}")
	} else {
		target = ""
	}
	lines = append(lines, scheduledAction(svc, name+"_stop", target, w.End, w, 0, 0)...)
	lines = append(lines, scheduledAction(svc, name+"_start", target, w.Start, w, minC, maxC)...)
	note := fmt.Sprintf("add scheduled actions for service/%s/%s: 0 tasks at %02d:00, min %d / max %d at %02d:00 (%s, %s)",
		svc.Cluster, svc.Name, w.End, minC, maxC, w.Start, w.TimeZone, weekdays(w.Weekdays))
	at, ok := svc.Terraform[FieldServiceEnd]
	if !ok {
		return Change{Note: note}
	}
	return changeOf([]edit{{at: at, lines: indented(indentOf(at.Text), lines...)}}, 1, note)
}

// scheduledAction is one aws_appautoscaling_scheduled_action; target is
// the Terraform address of the scaling target, or empty to name the
// service by its resource id.
func scheduledAction(svc Service, name, target string, hour int, w WorkingHours, minC, maxC int) []string {
	ref := func(attr, literal string) string {
		if target == "" {
			return fmt.Sprintf("%q", literal)
		}
		return target + "." + attr
	}
	return []string{"",
		fmt.Sprintf(`resource "aws_appautoscaling_scheduled_action" %q {`, name),
		fmt.Sprintf(`  name               = %q`, strings.ReplaceAll(name, "_", "-")),
		`  service_namespace  = ` + ref("service_namespace", "ecs"),
		`  resource_id        = ` + ref("resource_id", fmt.Sprintf("service/%s/%s", svc.Cluster, svc.Name)),
		`  scalable_dimension = ` + ref("scalable_dimension", "ecs:service:DesiredCount"),
		fmt.Sprintf(`  schedule           = "cron(0 %d ? * %s *)"`, hour, weekdays(w.Weekdays)),
		fmt.Sprintf(`  timezone           = %q`, w.TimeZone),
		"  scalable_target_action {",
		fmt.Sprintf("    min_capacity = %d", minC),
		fmt.Sprintf("    max_capacity = %d", maxC),
		"  }",
		"}"}
}
