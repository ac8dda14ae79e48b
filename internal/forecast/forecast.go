// Package forecast reads the capacity forecast of an ECS service's
// Application Auto Scaling predictive scaling policy and says whether a
// deployment starting now would run into a forecast peak. deploy-ecs and
// rollback warn (or, when asked to, refuse to start) on such a peak; a
// forecast that cannot be read is a note, never a failure.
//
// Contract (Application Auto Scaling API reference, GetPredictiveScalingForecast
// and CapacityForecast): the capacity forecast is hourly data points of the
// minimum capacity needed; the range between StartTime and EndTime is at
// most 30 days; a new policy has no forecast until it has 24 hours of
// metric data.
package forecast

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/smithy-go"

	"github.com/ecsflow/ecsflow/internal/exitcode"
)

// API is the one Application Auto Scaling call the guard makes.
type API interface {
	GetPredictiveScalingForecast(ctx context.Context, in *aas.GetPredictiveScalingForecastInput, optFns ...func(*aas.Options)) (*aas.GetPredictiveScalingForecastOutput, error)
}

var _ API = (*aas.Client)(nil)

// Guard is what a forecast peak does to a deployment: nothing, a warning,
// or a refusal to start.
type Guard string

// Guards, as the forecast-guard input spells them.
const (
	Off   Guard = "off"
	Warn  Guard = "warn"
	Block Guard = "block"
)

// GuardNames are the values of the forecast-guard input, in
// documentation order.
var GuardNames = []string{string(Off), string(Warn), string(Block)}

// PolicyName is the name the guard reads a service's forecast under:
// <cluster>-<service>-predictive, as the example stack names its
// predictive scaling policies.
func PolicyName(cluster, service string) string {
	return cluster + "-" + service + "-predictive"
}

// PeakShare places the peak: a forecast hour is in the peak when its
// capacity is in the top tenth of the range between the lowest and the
// highest capacity forecast for the next 24 hours.
const PeakShare = 0.9

// Horizon is how far ahead the forecast is read to find the day's range.
const Horizon = 24 * time.Hour

// Request names the service and the time a deployment would take.
type Request struct {
	Cluster, Service string
	// Policy is the predictive scaling policy's name.
	Policy string
	// Now is when the deployment would start.
	Now time.Time
	// Window is how long the deployment is expected to run (default one
	// hour, the forecast's granularity).
	Window time.Duration
}

// Result is what the forecast says about a deployment starting now.
type Result struct {
	Service, Policy string
	// Note is set when no forecast could be read: why, and what to do.
	Note string
	// Peak is true when the deployment window meets a forecast peak.
	Peak bool
	// At is the start of the first forecast hour in the window at the
	// window's highest capacity.
	At time.Time
	// Capacity is the highest capacity forecast in the window; Low and
	// High span the next 24 hours.
	Capacity, Low, High float64
}

// Message is one line for the log and the summary.
func (r Result) Message() string {
	switch {
	case r.Note != "":
		return fmt.Sprintf("%s: forecast not read: %s", r.Service, r.Note)
	case r.Peak:
		return fmt.Sprintf("%s: the deployment starts into a forecast peak: %g tasks forecast from %s (next 24 h range %g-%g, policy %s)",
			r.Service, r.Capacity, r.At.UTC().Format(time.RFC3339), r.Low, r.High, r.Policy)
	}
	return fmt.Sprintf("%s: no forecast peak in the deployment window (%g tasks forecast, next 24 h range %g-%g)", r.Service, r.Capacity, r.Low, r.High)
}

// Blocks reports whether the guard refuses to start on this result: only
// block does, and only on a forecast peak (never on a missing forecast).
func (g Guard) Blocks(r Result) bool { return g == Block && r.Peak }

// Apply checks every service of cluster with a deployment starting at
// now, hands each result to report and returns those the guard blocks on.
// Off reads nothing; a nil api (no client) reads nothing either.
func (g Guard) Apply(ctx context.Context, api API, cluster string, services []string, now time.Time, report func(Result)) []Result {
	if g == Off || api == nil {
		return nil
	}
	var blocked []Result
	for _, s := range services {
		r := Check(ctx, api, Request{Cluster: cluster, Service: s, Policy: PolicyName(cluster, s), Now: now})
		report(r)
		if g.Blocks(r) {
			blocked = append(blocked, r)
		}
	}
	return blocked
}

// Logger is where Run writes: gha.Console fits.
type Logger interface {
	Infof(format string, args ...any)
	Warningf(format string, args ...any)
	Noticef(format string, args ...any)
}

// Run applies the guard before what ("deployment", "rollback") starts:
// a forecast not read is a notice, a peak a warning, the rest a log line.
// With Block and a peak it returns a negative result (exit code 1) naming
// the peak; nothing has changed in AWS by then.
func (g Guard) Run(ctx context.Context, api API, cluster string, services []string, now time.Time, log Logger, what string) error {
	blocked := g.Apply(ctx, api, cluster, services, now, func(r Result) {
		switch {
		case r.Note != "":
			log.Noticef("%s", r.Message())
		case r.Peak:
			log.Warningf("%s", r.Message())
		default:
			log.Infof("%s", r.Message())
		}
	})
	if len(blocked) > 0 {
		return exitcode.Negativef("%s not started: forecast-guard is block and %s; start it after the peak or set forecast-guard: warn", what, blocked[0].Message())
	}
	return nil
}

// Check reads the forecast for req. It never fails: a forecast that cannot
// be read (no such policy, not enough data yet, access denied, an API that
// does not know the call) comes back as a Result with Note set.
func Check(ctx context.Context, api API, req Request) Result {
	res := Result{Service: req.Service, Policy: req.Policy}
	window := req.Window
	if window <= 0 {
		window = time.Hour
	}
	start := req.Now.Truncate(time.Hour)
	out, err := api.GetPredictiveScalingForecast(ctx, &aas.GetPredictiveScalingForecastInput{
		ServiceNamespace:  aastypes.ServiceNamespaceEcs,
		ResourceId:        aws.String("service/" + req.Cluster + "/" + req.Service),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		PolicyName:        aws.String(req.Policy),
		StartTime:         aws.Time(start),
		EndTime:           aws.Time(start.Add(Horizon + time.Hour)),
	})
	if err != nil {
		res.Note = unavailable(err, req.Policy)
		return res
	}
	if out.CapacityForecast == nil || len(out.CapacityForecast.Values) == 0 {
		res.Note = fmt.Sprintf("policy %s has no capacity forecast yet (a new policy needs 24 hours of metrics)", req.Policy)
		return res
	}
	judge(&res, out.CapacityForecast, req.Now, window)
	return res
}

// judge finds the day's range and the window's highest forecast.
func judge(res *Result, f *aastypes.CapacityForecast, now time.Time, window time.Duration) {
	first := true
	inWindow := false
	for i, ts := range f.Timestamps {
		if i >= len(f.Values) || !ts.Add(time.Hour).After(now) || !ts.Before(now.Add(Horizon)) {
			continue
		}
		v := f.Values[i]
		if first || v < res.Low {
			res.Low = v
		}
		if first || v > res.High {
			res.High = v
		}
		first = false
		if ts.Before(now.Add(window)) && (!inWindow || v > res.Capacity) {
			res.Capacity, res.At, inWindow = v, ts, true
		}
	}
	res.Peak = inWindow && res.High > res.Low && res.Capacity >= res.Low+PeakShare*(res.High-res.Low)
}

// unavailable turns an error into the note a deployment shows.
func unavailable(err error, policy string) string {
	var nf *aastypes.ObjectNotFoundException
	if errors.As(err, &nf) {
		return fmt.Sprintf("no predictive scaling policy %s on the service (the guard reads <cluster>-<service>-predictive; forecast-guard: off skips it)", policy)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); {
		case code == "AccessDeniedException" || code == "AccessDenied":
			return "access denied: the deploy role lacks application-autoscaling:GetPredictiveScalingForecast (docs/iam.md)"
		case code == "UnknownOperationException" || code == "InvalidAction" || code == "NotImplemented":
			return "this endpoint does not offer GetPredictiveScalingForecast"
		default:
			return fmt.Sprintf("%s: %s", code, capped(ae.ErrorMessage()))
		}
	}
	return capped(err.Error())
}

func capped(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
