// Package fargate holds the Fargate (Linux) task sizes: the task-level
// memory each cpu value allows. Rules, taskdef and the ECS simulator read
// this one table.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
package fargate

import "fmt"

// Range is the memory in MiB a cpu value allows: Min to Max in steps of
// Step. A Step of 0 means only 512, 1024 and 2048 (the 256-unit size).
type Range struct{ Min, Max, Step int }

var sizes = map[int]Range{
	256:   {512, 2048, 0}, // 512, 1024, 2048
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// Memory returns the memory range cpu units allow, and false when cpu is
// not a Fargate size.
func Memory(cpu int) (Range, bool) {
	r, ok := sizes[cpu]
	return r, ok
}

// ValidCPU reports whether cpu units are a Fargate task cpu size.
func ValidCPU(cpu int) bool {
	_, ok := sizes[cpu]
	return ok
}

// Valid reports whether cpu units and memory MiB are a Fargate task size.
func Valid(cpu, mem int) bool {
	r, ok := sizes[cpu]
	if !ok {
		return false
	}
	if r.Step == 0 {
		return mem == 512 || mem == 1024 || mem == 2048
	}
	return mem >= r.Min && mem <= r.Max && (mem-r.Min)%r.Step == 0
}

// Allowed says in words which memory values cpu units allow, such as
// "2048 to 8192 in steps of 1024"; it is empty when cpu is not a Fargate
// size.
func Allowed(cpu int) string {
	r, ok := sizes[cpu]
	switch {
	case !ok:
		return ""
	case r.Step == 0:
		return "512, 1024 or 2048"
	}
	return fmt.Sprintf("%d to %d in steps of %d", r.Min, r.Max, r.Step)
}
