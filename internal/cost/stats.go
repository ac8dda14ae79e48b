package cost

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Stat is a series summarised over the lookback, in absolute units (CPU
// units or MiB per task; tasks for a task count).
type Stat struct {
	P95 float64 `json:"p95"`
	Max float64 `json:"max"`
}

// summarise returns the p95 and max of s in absolute units (reservation is
// what 100 % of a Percent series is), or why s cannot be used.
func summarise(s Series, reservation float64, o Options) (Stat, error) {
	if len(s.Values) == 0 {
		return Stat{}, fmt.Errorf("no datapoints")
	}
	if s.Period <= 0 {
		return Stat{}, fmt.Errorf("series has no period")
	}
	covered := time.Duration(len(s.Values)) * s.Period
	if float64(covered) < o.MinCoverage*float64(o.Lookback) {
		return Stat{}, fmt.Errorf("%s of datapoints in a %s lookback (at least %.0f %% needed)",
			days(covered), days(o.Lookback), 100*o.MinCoverage)
	}
	scale := 1.0
	switch s.Unit {
	case Percent:
		scale = reservation / 100
	case Absolute:
	default:
		return Stat{}, fmt.Errorf("series unit %q is neither %q nor %q", s.Unit, Percent, Absolute)
	}
	v := slices.Clone(s.Values)
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return Stat{}, fmt.Errorf("series holds a value that is not a utilisation: %g", x)
		}
	}
	slices.Sort(v)
	return Stat{P95: percentile(v, 0.95) * scale, Max: v[len(v)-1] * scale}, nil
}

// percentile is the nearest-rank percentile of sorted v.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}
