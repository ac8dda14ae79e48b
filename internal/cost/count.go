package cost

import (
	"fmt"
	"math"
	"strconv"
)

// count recommends a lower task count when the tasks' CPU would still
// stay below the headroom target on fewer tasks. CPU load is taken to
// spread evenly over the tasks; memory per task is taken not to fall, so
// it does not allow fewer tasks. For a service with autoscaling the count
// is its floor (min capacity), and it is lowered only when autoscaling
// never ran more tasks than the floor over the lookback: above it,
// autoscaling already sets the count.
func count(s *subject) *Recommendation {
	if s.cpu == nil || s.memory == nil {
		return nil
	}
	floor, ok := countFloor(s)
	if !ok || floor <= 0 {
		return nil
	}
	minTasks := 1
	if s.opts.isProd(s.svc.Environment) {
		minTasks = s.opts.ProdMinTasks
	}
	load := s.cpu.P95 * float64(floor) // CPU units across the tasks at p95
	need := max(int(math.Ceil(load/(s.opts.Headroom*float64(s.next.CPU))-1e-9)), minTasks)
	if need >= floor {
		return nil
	}
	s.next.Tasks = max(s.next.Tasks-(floor-need), 0)
	rec := &Recommendation{
		Kind:    KindCount,
		Summary: fmt.Sprintf("%s %d → %d", countName(s.svc), floor, need),
		Tasks:   need,
		Risk: fmt.Sprintf("p95 cpu on %d tasks of %d units would be %.0f %% (load taken to spread evenly); fewer tasks also mean less room for a task lost in a deployment or an Availability Zone event",
			need, s.next.CPU, 100*load/float64(need*s.next.CPU)),
		Change: countChange(s.svc, floor, need),
	}
	return rec
}

// countFloor is the count the recommendation would lower: desired count
// without autoscaling, min capacity with it when the task count never
// rose above it.
func countFloor(s *subject) (int, bool) {
	sc := s.svc.Scaling
	if sc == nil {
		return s.svc.DesiredCount, true
	}
	tasks, err := summarise(s.svc.Usage.Tasks, 0, Options{MinCoverage: s.opts.MinCoverage, Lookback: s.opts.Lookback})
	if err != nil || tasks.Max > float64(sc.Min) {
		if err == nil {
			s.notes = append(s.notes, fmt.Sprintf("count: autoscaling ran up to %.0f tasks above its floor of %d", tasks.Max, sc.Min))
		}
		return 0, false
	}
	return sc.Min, true
}

func countName(s Service) string {
	if s.Scaling != nil {
		return "min capacity"
	}
	return "desired count"
}

func countChange(s Service, from, to int) Change {
	field := FieldDesiredCount
	if s.Scaling != nil {
		field = FieldMinCapacity
	}
	note := fmt.Sprintf("set %s = %d (today %d)%s", field, to, from, where(s.Terraform, field))
	at, ok := s.Terraform[field]
	if !ok {
		return Change{Note: note}
	}
	e, ok := setValue(at, strconv.Itoa(to), func(v string) bool { n, err := strconv.Atoi(v); return err == nil && n == from })
	if !ok {
		return Change{Note: note}
	}
	edits := []edit{e}
	// With autoscaling, a desired_count above the new floor would bring
	// the tasks back on every apply that sets it.
	if dc, ok := s.Terraform[FieldDesiredCount]; ok && field == FieldMinCapacity && (dc.File != at.File || dc.Line != at.Line) {
		if e, ok := setValue(dc, strconv.Itoa(to), func(v string) bool { n, err := strconv.Atoi(v); return err == nil && n > to }); ok {
			edits = append(edits, e)
		}
	}
	return changeOf(edits, 1, note)
}
