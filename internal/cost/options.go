package cost

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Options tune the engine. The zero value is not useful: start from
// DefaultOptions.
type Options struct {
	// Region selects the price table's row.
	Region string
	// Lookback is the window the series cover (default 14 days).
	Lookback time.Duration
	// Headroom is the highest p95 utilisation a recommended size may run
	// at, as a fraction of its reservation (default 0.7).
	Headroom float64
	// MinCoverage is the share of the lookback a series must cover to be
	// used (default 0.5); below it the service is "not enough data".
	MinCoverage float64
	// Production lists the environments that are production: never Fargate
	// Spot, never scaled to zero, at least ProdMinTasks tasks.
	Production   []string
	ProdMinTasks int
	// ScaleToZero lists the environments stopped outside WorkingHours.
	ScaleToZero  []string
	WorkingHours WorkingHours
	// Skip lists kinds of recommendation not to make.
	Skip []Kind
}

// WorkingHours are the hours a scaled-to-zero environment runs: from Start
// to End (hours, 0-23) on Weekdays (Monday first), in TimeZone.
type WorkingHours struct {
	Start, End int
	Weekdays   int
	TimeZone   string
}

// RunningShare is the share of the week the hours cover.
func (w WorkingHours) RunningShare() float64 {
	return float64((w.End-w.Start)*w.Weekdays) / (7 * 24)
}

// DefaultOptions are the report's defaults.
func DefaultOptions() Options {
	return Options{
		Region:       "us-east-1",
		Lookback:     14 * 24 * time.Hour,
		Headroom:     0.7,
		MinCoverage:  0.5,
		Production:   []string{"prod", "production"},
		ProdMinTasks: 2,
		ScaleToZero:  []string{"dev"},
		WorkingHours: WorkingHours{Start: 8, End: 20, Weekdays: 5, TimeZone: "UTC"},
	}
}

// Validate says what is wrong with o, naming the option and what is
// allowed.
func (o Options) Validate() error {
	switch {
	case o.Lookback < 24*time.Hour:
		return fmt.Errorf("lookback %s is too short: give at least 1 day (24h)", o.Lookback)
	case o.Headroom <= 0 || o.Headroom > 1:
		return fmt.Errorf("headroom %g is out of range: give a utilisation target above 0 and at most 1, such as 0.7", o.Headroom)
	case o.MinCoverage <= 0 || o.MinCoverage > 1:
		return fmt.Errorf("minimum coverage %g is out of range: give a share above 0 and at most 1", o.MinCoverage)
	case o.ProdMinTasks < 1:
		return fmt.Errorf("production minimum task count %d is out of range: give 1 or more", o.ProdMinTasks)
	}
	for _, k := range o.Skip {
		if !slices.Contains(Kinds, k) {
			return fmt.Errorf("recommendation kind %q is not known: give one of %s", k, kindList())
		}
	}
	w := o.WorkingHours
	if w.Start < 0 || w.End > 23 || w.Start >= w.End || w.Weekdays < 1 || w.Weekdays > 7 {
		return fmt.Errorf("working hours %d-%d on %d weekdays are out of range: give 0 <= start < end <= 23 and 1 to 7 weekdays", w.Start, w.End, w.Weekdays)
	}
	if _, err := time.LoadLocation(w.TimeZone); err != nil || w.TimeZone == "" {
		return fmt.Errorf("working hours time zone %q is not an IANA time zone such as UTC or Europe/Berlin", w.TimeZone)
	}
	return nil
}

func (o Options) isProd(env string) bool { return containsFold(o.Production, env) }

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}
