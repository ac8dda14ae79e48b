package cost

import (
	"math"
	"sync"

	"github.com/ecsflow/ecsflow/internal/fargate"
	"github.com/ecsflow/ecsflow/internal/planjson"
)

// validPair is the one Fargate size table's check of a cpu/memory pair.
var validPair = fargate.Valid

// SpotDiscount is the share Fargate Spot costs less than Fargate. AWS
// advertises "up to 70 %"; Spot prices move with spare capacity, so a
// Spot saving is an upper estimate and the report says so.
// https://aws.amazon.com/fargate/pricing/
const SpotDiscount = 0.70

// Pair is a Fargate task size: cpu units and memory MiB.
type Pair struct {
	CPU    int `json:"cpu"`
	Memory int `json:"memory"`
}

// pairs lists every valid Fargate pair, by cpu then memory. The loop's
// bounds are wider than any Fargate size; the size table decides.
var pairs = sync.OnceValue(func() []Pair {
	var out []Pair
	for cpu := 128; cpu <= 1<<16; cpu *= 2 {
		for mem := 512; mem <= 1<<18; mem += 512 {
			if validPair(cpu, mem) {
				out = append(out, Pair{cpu, mem})
			}
		}
	}
	return out
})

// state is what a service costs to run: its size, count, architecture,
// share on Spot and share of the week running.
type state struct {
	Pair
	Tasks   int
	ARM     bool
	Spot    float64 // share of tasks on FARGATE_SPOT
	Running float64 // share of the week running
}

// monthly is the state's monthly cost at price p.
func (s state) monthly(p planjson.Price) float64 {
	task := (float64(s.CPU)/1024*p.VCPUHour + float64(s.Memory)/1024*p.GBHour) * planjson.HoursPerMonth
	if s.ARM {
		task *= 1 - planjson.ARMDiscount
	}
	task *= 1 - SpotDiscount*s.Spot
	return float64(s.Tasks) * task * s.Running
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
