package deploy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// Band sides an anomaly gate fails on.
const (
	AboveBand   = "above"
	BelowBand   = "below"
	OutsideBand = "outside"
)

// AnomalyGate is a metric judged against CloudWatch's anomaly detection
// band, ANOMALY_DETECTION_BAND(m, Stddevs) in GetMetricData
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html):
// a datapoint since the gate started that leaves the band on Side fails it.
// The engine computes no statistics of its own.
type AnomalyGate struct {
	Namespace  string
	Metric     string
	Stat       string            // default Average
	Dimensions map[string]string // exact dimension set of the series
	Stddevs    float64           // band width; 0 means 2, CloudWatch's usual
	Side       string            // AboveBand, BelowBand or OutsideBand (default)
}

// Label names the series: namespace, metric and dimensions.
func (a AnomalyGate) Label() string {
	keys := make([]string, 0, len(a.Dimensions))
	for k := range a.Dimensions {
		keys = append(keys, k+"="+a.Dimensions[k])
	}
	sort.Strings(keys)
	l := a.Namespace + ":" + a.Metric
	if len(keys) > 0 {
		l += "{" + strings.Join(keys, ",") + "}"
	}
	return l
}

// Anomaly is the first datapoint of a metric outside its band.
type Anomaly struct {
	Gate   AnomalyGate
	At     time.Time // the datapoint's timestamp (start of its minute)
	Value  float64
	Reason string // names the metric, the value, the time and the band
}

// checkAnomaly fails the gate on the first datapoint since since outside
// the band; a read that fails leaves the gate pending.
func (e *Engine) checkAnomaly(ctx context.Context, a AnomalyGate, since time.Time) (verdict, string) {
	if e.CloudWatch == nil {
		return pending, ""
	}
	an, err := e.FirstAnomaly(ctx, a, since)
	switch {
	case err != nil:
		return pending, ""
	case an != nil:
		return fail, "anomaly gate " + an.Reason
	}
	return pass, ""
}

// FirstAnomaly reads the metric and its band (CloudWatch's
// ANOMALY_DETECTION_BAND) since since (at least the last five minutes) and
// returns the first datapoint at or after since that leaves the band on
// the gate's side, or nil. Datapoints without a band (a model still
// training) are not judged.
func (e *Engine) FirstAnomaly(ctx context.Context, a AnomalyGate, since time.Time) (*Anomaly, error) {
	stat, k, side := a.Stat, a.Stddevs, a.Side
	if stat == "" {
		stat = "Average"
	}
	if k == 0 {
		k = 2
	}
	if side == "" {
		side = OutsideBand
	}
	now := e.Clock.Now()
	start := since
	if w := now.Add(-5 * time.Minute); w.Before(start) {
		start = w
	}
	start = start.Truncate(time.Minute)
	out, err := e.CloudWatch.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(now), ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{
			{Id: aws.String("m"), MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(a.Namespace), MetricName: aws.String(a.Metric), Dimensions: dims(a.Dimensions)},
				Period: aws.Int32(60), Stat: aws.String(stat)}},
			{Id: aws.String("band"), Expression: aws.String(fmt.Sprintf("ANOMALY_DETECTION_BAND(m, %g)", k))},
		},
	})
	e.count("cloudwatch:GetMetricData")
	if err != nil {
		return nil, fmt.Errorf("failed to read %s and its anomaly band (the role needs cloudwatch:GetMetricData): %w", a.Label(), err)
	}
	values := map[time.Time]float64{}
	lo, hi := map[time.Time]float64{}, map[time.Time]float64{}
	for _, r := range out.MetricDataResults {
		for i, t := range r.Timestamps {
			if i >= len(r.Values) {
				break
			}
			v := r.Values[i]
			switch aws.ToString(r.Id) {
			case "m":
				values[t] = v
			case "band": // two series, one per bound; their order and labels are not relied on
				if old, ok := lo[t]; !ok || v < old {
					lo[t] = v
				}
				if old, ok := hi[t]; !ok || v > old {
					hi[t] = v
				}
			}
		}
	}
	times := make([]time.Time, 0, len(values))
	for t := range values {
		if !t.Before(since.Truncate(time.Minute)) {
			times = append(times, t)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for _, t := range times {
		l, okL := lo[t]
		h, okH := hi[t]
		v := values[t]
		if !okL || !okH {
			continue // no band yet: the model is still training
		}
		above, below := v > h, v < l
		if above && side != BelowBand || below && side != AboveBand {
			return &Anomaly{Gate: a, At: t, Value: v, Reason: fmt.Sprintf("%s: %s %g at %s is outside the band %g–%g (%g standard deviations)",
				a.Label(), stat, v, t.UTC().Format(time.RFC3339), l, h, k)}, nil
		}
	}
	return nil, nil
}
