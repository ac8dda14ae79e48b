package deploy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// MetricGate is a CloudWatch metric with thresholds. When Baseline
// dimensions are given (for example the old target group) and both series
// have data, the new value may exceed the old by at most MaxIncreasePercent.
type MetricGate struct {
	Name               string            `json:"name"`
	Namespace          string            `json:"namespace"`
	Metric             string            `json:"metric"`
	Stat               string            `json:"stat"`
	Dimensions         map[string]string `json:"dimensions"`
	BaselineDimensions map[string]string `json:"baseline-dimensions"`
	PeriodSeconds      int32             `json:"period"`
	Max                *float64          `json:"max"`
	Min                *float64          `json:"min"`
	MaxIncreasePercent *float64          `json:"max-increase-percent"`
}

// Validate checks a gate as given by the user.
func (m MetricGate) Validate() error {
	switch {
	case m.Namespace == "" || m.Metric == "":
		return fmt.Errorf("metric gate %q needs namespace and metric", m.Name)
	case m.Max == nil && m.Min == nil && m.MaxIncreasePercent == nil:
		return fmt.Errorf("metric gate %q needs max, min or max-increase-percent", m.Name)
	case m.MaxIncreasePercent != nil && len(m.BaselineDimensions) == 0:
		return fmt.Errorf("metric gate %q: max-increase-percent needs baseline-dimensions (the old revision's series)", m.Name)
	case m.PeriodSeconds < 0 || (m.PeriodSeconds != 0 && m.PeriodSeconds%60 != 0 && m.PeriodSeconds > 60):
		return fmt.Errorf("metric gate %q: period must be a multiple of 60 seconds", m.Name)
	}
	return nil
}

// verdict of one gate evaluation.
type verdict int

const (
	pending verdict = iota
	pass
	fail
)

// gateState keeps per-service health-check counters between polls.
type gateState struct {
	url              string
	successes, fails int
	lastProblem      string
	// alarms is the alarm state read once per poll for the whole wave
	// (nil: not read this poll, checkGates reads it itself).
	alarms *alarmReading
	// anomaly are the plan's anomaly gates with the service's dimensions
	// (nil: the plan's as they are).
	anomaly []AnomalyGate
}

// alarmReading is one DescribeAlarms answer shared by a wave's services.
type alarmReading struct {
	firing []string
	err    error
}

// checkGates runs every gate once. It returns pass when all gates pass,
// fail with the reason as soon as one fails, pending while the health
// check has not yet reached its consecutive successes.
func (e *Engine) checkGates(ctx context.Context, g Gates, st *gateState, since time.Time) (verdict, string) {
	if len(g.Alarms) > 0 {
		reading := st.alarms
		if reading == nil {
			names, err := e.alarmsFiring(ctx, g.Alarms)
			reading = &alarmReading{firing: names, err: err}
		}
		if names, err := reading.firing, reading.err; err != nil {
			return pending, "alarms: " + err.Error()
		} else if len(names) > 0 {
			return fail, fmt.Sprintf("CloudWatch alarm %s is in ALARM", strings.Join(names, ", "))
		}
	}
	for _, m := range g.Metrics {
		v, reason := e.checkMetric(ctx, m, since)
		if v == fail {
			return fail, reason
		}
	}
	anomaly := g.Anomaly
	if st.anomaly != nil {
		anomaly = st.anomaly
	}
	for _, a := range anomaly {
		if v, reason := e.checkAnomaly(ctx, a, since); v == fail {
			return fail, reason
		}
	}
	if st.url == "" {
		return pass, ""
	}
	want := g.HealthCheckStatus
	if want == 0 {
		want = 200
	}
	needOK := max(g.HealthCheckSuccesses, 1)
	if g.HealthCheckSuccesses == 0 {
		needOK = 3
	}
	maxFail := g.HealthCheckFailures
	if maxFail == 0 {
		maxFail = 3
	}
	if problem := e.probe(ctx, st.url, want); problem == "" {
		st.successes++
		st.fails = 0
	} else {
		st.fails++
		st.successes = 0
		st.lastProblem = problem
	}
	switch {
	case st.fails >= maxFail:
		return fail, fmt.Sprintf("health check %s failed %d times in a row: %s", st.url, st.fails, st.lastProblem)
	case st.successes >= needOK:
		return pass, ""
	}
	return pending, ""
}

// probe returns "" when url answers with the wanted status.
func (e *Engine) probe(ctx context.Context, url string, want int) string {
	if e.HTTP == nil {
		return "no HTTP client"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err.Error()
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != want {
		return fmt.Sprintf("status %d, want %d", resp.StatusCode, want)
	}
	return ""
}

// alarmsFiring returns the named alarms in ALARM (one DescribeAlarms call).
func (e *Engine) alarmsFiring(ctx context.Context, names []string) ([]string, error) {
	if e.CloudWatch == nil {
		return nil, fmt.Errorf("no CloudWatch client")
	}
	var firing []string
	for i := 0; i < len(names); i += 100 {
		chunk := names[i:min(i+100, len(names))]
		out, err := e.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: chunk})
		e.count("cloudwatch:DescribeAlarms")
		if err != nil {
			return nil, fmt.Errorf("failed to describe alarms: %w", err)
		}
		for _, a := range out.MetricAlarms {
			if a.StateValue == cwtypes.StateValueAlarm {
				firing = append(firing, aws.ToString(a.AlarmName))
			}
		}
		for _, a := range out.CompositeAlarms {
			if a.StateValue == cwtypes.StateValueAlarm {
				firing = append(firing, aws.ToString(a.AlarmName))
			}
		}
	}
	sort.Strings(firing)
	return firing, nil
}

// MissingAlarms returns the names that do not exist, for input validation.
func MissingAlarms(ctx context.Context, cw CloudWatch, names []string) ([]string, error) {
	found := map[string]bool{}
	for i := 0; i < len(names); i += 100 {
		chunk := names[i:min(i+100, len(names))]
		out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: chunk})
		if err != nil {
			return nil, fmt.Errorf("failed to describe alarms: %w", err)
		}
		for _, a := range out.MetricAlarms {
			found[aws.ToString(a.AlarmName)] = true
		}
		for _, a := range out.CompositeAlarms {
			found[aws.ToString(a.AlarmName)] = true
		}
	}
	var missing []string
	for _, n := range names {
		if !found[n] {
			missing = append(missing, n)
		}
	}
	return missing, nil
}

func dims(m map[string]string) []cwtypes.Dimension {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]cwtypes.Dimension, 0, len(keys))
	for _, k := range keys {
		out = append(out, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// checkMetric evaluates one metric gate over the time since the deployment
// started (at least one period).
func (e *Engine) checkMetric(ctx context.Context, m MetricGate, since time.Time) (verdict, string) {
	if e.CloudWatch == nil {
		return pending, ""
	}
	period := m.PeriodSeconds
	if period == 0 {
		period = 60
	}
	stat := m.Stat
	if stat == "" {
		stat = "Average"
	}
	now := e.Clock.Now()
	start := since
	if now.Sub(start) < time.Duration(period)*time.Second {
		start = now.Add(-time.Duration(period) * time.Second)
	}
	q := func(id string, d map[string]string) cwtypes.MetricDataQuery {
		return cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String(m.Namespace), MetricName: aws.String(m.Metric), Dimensions: dims(d)},
			Period: aws.Int32(period), Stat: aws.String(stat),
		}}
	}
	queries := []cwtypes.MetricDataQuery{q("new", m.Dimensions)}
	if len(m.BaselineDimensions) > 0 {
		queries = append(queries, q("old", m.BaselineDimensions))
	}
	out, err := e.CloudWatch.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		MetricDataQueries: queries, StartTime: aws.Time(start), EndTime: aws.Time(now.Add(time.Minute)),
		ScanBy: cwtypes.ScanByTimestampDescending,
	})
	e.count("cloudwatch:GetMetricData")
	if err != nil {
		return pending, ""
	}
	val := map[string]float64{}
	has := map[string]bool{}
	for _, r := range out.MetricDataResults {
		if len(r.Values) > 0 {
			val[aws.ToString(r.Id)] = r.Values[0] // newest first
			has[aws.ToString(r.Id)] = true
		}
	}
	if !has["new"] {
		return pending, ""
	}
	v := val["new"]
	label := m.Name
	if label == "" {
		label = m.Namespace + "/" + m.Metric
	}
	if m.Max != nil && v > *m.Max {
		return fail, fmt.Sprintf("metric gate %s: %s %s = %g is above the maximum %g", label, stat, m.Metric, v, *m.Max)
	}
	if m.Min != nil && v < *m.Min {
		return fail, fmt.Sprintf("metric gate %s: %s %s = %g is below the minimum %g", label, stat, m.Metric, v, *m.Min)
	}
	if m.MaxIncreasePercent != nil && has["old"] && val["old"] > 0 {
		inc := (v - val["old"]) / val["old"] * 100
		if inc > *m.MaxIncreasePercent {
			return fail, fmt.Sprintf("metric gate %s: new revision %g vs old %g (+%.0f%%) exceeds +%g%%", label, v, val["old"], inc, *m.MaxIncreasePercent)
		}
	}
	return pass, ""
}
