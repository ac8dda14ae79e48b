// Package forecastsim is a stand-in for Application Auto Scaling's
// GetPredictiveScalingForecast, which moto (5.2.1) does not implement: the
// sandbox's front proxy hands it that one call and everything else of
// Application Auto Scaling to moto. Tests and the demo set the capacity
// forecast of a policy; the stand-in answers as the API documents:
//
//   - the capacity forecast is hourly data points (timestamp, minimum
//     capacity needed) and only the points in [StartTime, EndTime) are
//     returned (API reference: GetPredictiveScalingForecast, CapacityForecast);
//   - EndTime must be after StartTime and at most 30 days later, else
//     ValidationException (same page);
//   - a policy the stand-in has no forecast for is ObjectNotFoundException
//     (SDK doc comment of types.ObjectNotFoundException: thrown when what the
//     operation depends on does not exist);
//   - a policy younger than 24 hours of data has an empty forecast (the API
//     page: at least 24 hours of data before the first forecast): set no
//     points to model it.
//
// It does not model the forecast itself (CloudWatch history, trends): the
// values are what the test sets.
package forecastsim

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
)

// Target is the X-Amz-Target of the call the stand-in serves.
const Target = "AnyScaleFrontendService.GetPredictiveScalingForecast"

// Point is one hourly data point of a capacity forecast.
type Point struct {
	At       time.Time
	Capacity float64
}

// Store holds the forecasts by region, resource and policy.
type Store struct {
	mu        sync.Mutex
	forecasts map[string][]Point
}

// New returns an empty store.
func New() *Store { return &Store{forecasts: map[string][]Point{}} }

func key(region, resourceID, policy string) string {
	return region + "|" + resourceID + "|" + policy
}

// Set gives the policy of resourceID (service/<cluster>/<service>) in
// region its capacity forecast; no points is a policy without a forecast
// yet.
func (s *Store) Set(region, resourceID, policy string, points []Point) {
	cp := append([]Point{}, points...)
	sort.Slice(cp, func(i, j int) bool { return cp[i].At.Before(cp[j].At) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forecasts[key(region, resourceID, policy)] = cp
}

// Reset forgets every forecast.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forecasts = map[string][]Point{}
}

type request struct {
	ServiceNamespace  string
	ResourceId        string //nolint:revive // the wire name
	ScalableDimension string
	PolicyName        string
	StartTime         float64
	EndTime           float64
}

// Serve answers one GetPredictiveScalingForecast request (AWS JSON 1.1)
// for region.
func (s *Store) Serve(w http.ResponseWriter, r *http.Request, region string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req request
	if err != nil || json.Unmarshal(body, &req) != nil {
		writeError(w, "ValidationException", "the request is not valid JSON")
		return
	}
	if req.PolicyName == "" || req.ResourceId == "" || req.ServiceNamespace == "" || req.ScalableDimension == "" {
		writeError(w, "ValidationException", "PolicyName, ResourceId, ServiceNamespace and ScalableDimension are required")
		return
	}
	start, end := epoch(req.StartTime), epoch(req.EndTime)
	if !end.After(start) || end.Sub(start) > 30*24*time.Hour {
		writeError(w, "ValidationException", "EndTime must be after StartTime and at most 30 days later")
		return
	}
	s.mu.Lock()
	points, ok := s.forecasts[key(region, req.ResourceId, req.PolicyName)]
	s.mu.Unlock()
	if !ok {
		writeError(w, "ObjectNotFoundException", fmt.Sprintf("No scaling policy found for service namespace: %s, resource ID: %s, scalable dimension: %s, policy name: %s", req.ServiceNamespace, req.ResourceId, req.ScalableDimension, req.PolicyName))
		return
	}
	ts, vs := []float64{}, []float64{}
	for _, p := range points {
		if !p.At.Before(start) && p.At.Before(end) {
			ts = append(ts, float64(p.At.Unix()))
			vs = append(vs, p.Capacity)
		}
	}
	out := map[string]any{"LoadForecast": []any{}, "UpdateTime": float64(start.Unix())}
	if len(ts) > 0 {
		out["CapacityForecast"] = map[string]any{"Timestamps": ts, "Values": vs}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func epoch(s float64) time.Time {
	sec, frac := math.Modf(s)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

func writeError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// Hourly is a forecast of one point per hour from the hour of from.
func Hourly(from time.Time, capacities ...float64) []Point {
	from = from.Truncate(time.Hour)
	out := make([]Point, len(capacities))
	for i, c := range capacities {
		out[i] = Point{At: from.Add(time.Duration(i) * time.Hour), Capacity: c}
	}
	return out
}

// Client starts a loopback server that answers from s as region and
// returns the real SDK client pointed at it, and the server's stop.
func (s *Store) Client(region string) (*aas.Client, func()) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != Target {
			writeError(w, "UnknownOperationException", "the forecast stand-in serves only GetPredictiveScalingForecast")
			return
		}
		s.Serve(w, r, region)
	}))
	c := aas.New(aas.Options{Region: region, BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})
	return c, srv.Close
}
