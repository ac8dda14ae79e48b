package cost

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ecsflow/ecsflow/internal/planjson"
)

// rightsize recommends the cheapest valid Fargate pair whose p95 CPU and
// memory stay at or below the headroom target and whose memory holds the
// highest memory seen (a task over its memory is stopped; one over its CPU
// is only throttled).
func rightsize(s *subject) *Recommendation {
	if s.cpu == nil || s.memory == nil {
		return nil
	}
	best, ok := smallestPair(*s.cpu, *s.memory, s.opts.Headroom, s.next.ARM, s.price)
	if !ok {
		s.notes = append(s.notes, fmt.Sprintf("rightsize: no Fargate size keeps p95 below %.0f %% (p95 cpu %.0f units, memory %.0f MiB)",
			100*s.opts.Headroom, s.cpu.P95, s.memory.P95))
		return nil
	}
	from := s.next.Pair
	trial := s.next
	trial.Pair = best
	if trial.monthly(s.price) >= s.next.monthly(s.price) {
		return nil
	}
	s.next.Pair = best
	return &Recommendation{
		Kind:    KindRightsize,
		Summary: sizeSummary(from, best),
		Size:    &best,
		Risk: fmt.Sprintf("p95 runs at %.0f %% cpu and %.0f %% memory of the new size; the highest cpu seen is %.0f %% of it "+
			"(above 100 %% the task is throttled); every container's own cpu and memory must fit in the new size",
			100*s.cpu.P95/float64(best.CPU), 100*s.memory.P95/float64(best.Memory), 100*s.cpu.Max/float64(best.CPU)),
		Change: rightsizeChange(s.svc.Terraform, from, best),
	}
}

// smallestPair is the cheapest valid pair meeting the targets.
func smallestPair(cpu, mem Stat, headroom float64, arm bool, p planjson.Price) (Pair, bool) {
	var best Pair
	bestCost := -1.0
	for _, c := range pairs() {
		if cpu.P95 > headroom*float64(c.CPU) || mem.P95 > headroom*float64(c.Memory) || mem.Max > float64(c.Memory) {
			continue
		}
		cost := state{Pair: c, Tasks: 1, ARM: arm, Running: 1}.monthly(p)
		if bestCost < 0 || cost < bestCost {
			best, bestCost = c, cost
		}
	}
	return best, bestCost >= 0
}

func rightsizeChange(src Sources, from, to Pair) Change {
	var edits []edit
	want := 0
	if from.CPU != to.CPU {
		want++
	}
	if from.Memory != to.Memory {
		want++
	}
	if at, ok := src[FieldCPU]; ok && from.CPU != to.CPU {
		if e, ok := setValue(at, strconv.Itoa(to.CPU), sameUnits(from.CPU, planjson.ParseCPU)); ok {
			edits = append(edits, e)
		}
	}
	if at, ok := src[FieldMemory]; ok && from.Memory != to.Memory {
		if e, ok := setValue(at, strconv.Itoa(to.Memory), sameUnits(from.Memory, planjson.ParseMemory)); ok {
			edits = append(edits, e)
		}
	}
	return changeOf(edits, want, fmt.Sprintf("set the task definition's cpu = %d and memory = %d%s", to.CPU, to.Memory, where(src, FieldCPU)))
}

// sameUnits matches a literal that parses to want ("1024", "1 vCPU").
func sameUnits(want int, parse func(string) (int, bool)) func(string) bool {
	return func(s string) bool {
		n, ok := parse(s)
		return ok && n == want
	}
}

// where names the line that sets f, as " (set at file:line: text)".
func where(src Sources, f Field) string {
	at, ok := src[f]
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (set at %s:%d: %s)", at.File, at.Line, trimmed(at.Text))
}

// sizeSummary says which of cpu and memory change.
func sizeSummary(from, to Pair) string {
	var parts []string
	if from.CPU != to.CPU {
		parts = append(parts, fmt.Sprintf("cpu %d → %d", from.CPU, to.CPU))
	}
	if from.Memory != to.Memory {
		parts = append(parts, fmt.Sprintf("memory %d → %d", from.Memory, to.Memory))
	}
	return strings.Join(parts, ", ")
}
