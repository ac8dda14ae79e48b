package cost

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ecsflow/ecsflow/internal/planjson"
)

// subject is one service while the engine works on it: the service, its
// measured utilisation and the state the recommendations so far lead to.
type subject struct {
	svc    Service
	opts   Options
	price  planjson.Price
	cpu    *Stat
	memory *Stat
	next   state
	notes  []string
}

// step makes one kind of recommendation for a subject, updating its next
// state, or returns nil.
type step func(*subject) *Recommendation

// steps make each kind of recommendation, in the order of Kinds.
var steps = map[Kind]step{
	KindRightsize: rightsize, KindCount: count, KindARM64: arm64, KindSpot: spot, KindSchedule: schedule,
}

// Analyse builds the report for services. It returns an error, naming the
// service and the value, when an option or a service is not valid.
func Analyse(services []Service, o Options) (Report, error) {
	if err := o.Validate(); err != nil {
		return Report{}, err
	}
	var errs []error
	for _, s := range services {
		if err := s.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Report{}, err
	}
	price, region := planjson.PriceFor(o.Region)
	r := Report{
		Region: region, RegionAssumed: region != o.Region, PriceDate: planjson.PriceDate,
		LookbackDays: o.Lookback.Hours() / 24, Headroom: o.Headroom,
	}
	if r.RegionAssumed {
		r.AskedRegion = o.Region
	}
	for _, s := range services {
		sr := analyseService(s, o, price)
		r.Services = append(r.Services, sr)
		r.Monthly += sr.Monthly
		r.After += sr.After
	}
	sort.SliceStable(r.Services, func(i, j int) bool {
		a, b := r.Services[i], r.Services[j]
		if a.Environment != b.Environment {
			return a.Environment < b.Environment
		}
		return a.Name < b.Name
	})
	r.Monthly, r.After = round2(r.Monthly), round2(r.After)
	r.Saving = round2(r.Monthly - r.After)
	if r.Monthly > 0 {
		r.SavingPercent = round1(100 * r.Saving / r.Monthly)
	}
	return r, nil
}

func analyseService(s Service, o Options, price planjson.Price) ServiceReport {
	sub := &subject{svc: s, opts: o, price: price, next: current(s)}
	sr := ServiceReport{
		Name: s.Name, Environment: s.Environment, Size: Pair{s.CPU, s.Memory}, Tasks: s.DesiredCount,
		Monthly: round2(sub.next.monthly(price)), Recommendations: []Recommendation{},
	}
	var why []string
	if st, err := summarise(s.Usage.CPU, float64(s.CPU), o); err == nil {
		sub.cpu, sr.CPU = &st, rounded(st)
	} else {
		why = append(why, "cpu: "+err.Error())
	}
	if st, err := summarise(s.Usage.Memory, float64(s.Memory), o); err == nil {
		sub.memory, sr.Memory = &st, rounded(st)
	} else {
		why = append(why, "memory: "+err.Error())
	}
	sr.Data = "ok"
	if len(why) > 0 {
		sr.Data = "not enough data: " + strings.Join(why, "; ")
	}
	for _, k := range Kinds {
		if slices.Contains(o.Skip, k) {
			continue
		}
		before, prev := sub.next.monthly(price), sub.next
		rec := steps[k](sub)
		if rec == nil {
			continue
		}
		rec.MonthlySaving = round2(before - sub.next.monthly(price))
		if rec.MonthlySaving <= 0 { // a service of no tasks saves nothing
			sub.next = prev
			continue
		}
		sr.Recommendations = append(sr.Recommendations, *rec)
	}
	sr.After = round2(sub.next.monthly(price))
	sr.Notes = sub.notes
	return sr
}

// current is the state a service runs in today.
func current(s Service) state {
	st := state{Pair: Pair{s.CPU, s.Memory}, Tasks: s.DesiredCount, Running: 1}
	st.ARM = strings.EqualFold(s.Architecture, "ARM64")
	total, spot := 0, 0
	for _, cp := range s.CapacityProviders {
		total += cp.Weight
		if cp.Name == "FARGATE_SPOT" {
			spot += cp.Weight
		}
	}
	if total > 0 {
		st.Spot = float64(spot) / float64(total)
	}
	return st
}

// validate says what is wrong with a service as given to the engine.
func (s Service) validate() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("a service has no name")
	case !validPair(s.CPU, s.Memory):
		return fmt.Errorf("service %s: cpu %d / memory %d is not a Fargate task size", s.Name, s.CPU, s.Memory)
	case s.DesiredCount < 0:
		return fmt.Errorf("service %s: desired count %d is negative", s.Name, s.DesiredCount)
	case s.Scaling != nil && (s.Scaling.Min < 0 || s.Scaling.Max < s.Scaling.Min):
		return fmt.Errorf("service %s: autoscaling min %d / max %d: give 0 <= min <= max", s.Name, s.Scaling.Min, s.Scaling.Max)
	}
	return nil
}

func (s Service) linux() bool { return s.OSFamily == "" || strings.EqualFold(s.OSFamily, "LINUX") }

func rounded(s Stat) *Stat { return &Stat{P95: round1(s.P95), Max: round1(s.Max)} }

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
