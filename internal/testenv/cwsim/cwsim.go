package cwsim

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

// CloudWatch is the stand-in. The zero value is not usable; call New.
type CloudWatch struct {
	// Window is the trailing training window of the band (default 60 min).
	Window time.Duration
	// MinTraining is the fewest values in the window for a band (default 10).
	MinTraining int

	mu        sync.Mutex
	series    map[string][]point
	detectors []types.AnomalyDetector
}

type point struct {
	t time.Time
	v float64
}

// New returns an empty stand-in.
func New() *CloudWatch {
	return &CloudWatch{Window: time.Hour, MinTraining: 10, series: map[string][]point{}}
}

func seriesKey(namespace, metric string, dims map[string]string) string {
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(namespace + "|" + metric)
	for _, k := range keys {
		b.WriteString("|" + k + "=" + dims[k])
	}
	return b.String()
}

func dimMap(ds []types.Dimension) map[string]string {
	m := map[string]string{}
	for _, d := range ds {
		m[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	return m
}

// AddData stores datapoints (the ECS simulator's sink).
func (c *CloudWatch) AddData(ds []ecssim.Datum) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range ds {
		k := seriesKey(d.Namespace, d.Metric, d.Dimensions)
		c.series[k] = append(c.series[k], point{d.Timestamp, d.Value})
	}
}

// PutMetricData stores the values of in (Value or Values; one datapoint
// each, at Timestamp).
func (c *CloudWatch) PutMetricData(_ context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	var ds []ecssim.Datum
	for _, m := range in.MetricData {
		vals := m.Values
		if m.Value != nil {
			vals = append(vals, *m.Value)
		}
		for _, v := range vals {
			ds = append(ds, ecssim.Datum{Namespace: aws.ToString(in.Namespace), Metric: aws.ToString(m.MetricName),
				Dimensions: dimMap(m.Dimensions), Timestamp: aws.ToTime(m.Timestamp), Value: v})
		}
	}
	c.AddData(ds)
	return &cloudwatch.PutMetricDataOutput{}, nil
}

// PutAnomalyDetector records a single-metric detector (replacing one for
// the same metric, dimensions and statistic).
func (c *CloudWatch) PutAnomalyDetector(_ context.Context, in *cloudwatch.PutAnomalyDetectorInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutAnomalyDetectorOutput, error) {
	s := in.SingleMetricAnomalyDetector
	if s == nil || aws.ToString(s.Namespace) == "" || aws.ToString(s.MetricName) == "" || aws.ToString(s.Stat) == "" {
		return nil, fmt.Errorf("ValidationError: the stand-in needs SingleMetricAnomalyDetector with Namespace, MetricName and Stat")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := seriesKey(aws.ToString(s.Namespace), aws.ToString(s.MetricName), dimMap(s.Dimensions)) + "|" + aws.ToString(s.Stat)
	kept := c.detectors[:0]
	for _, d := range c.detectors {
		if detectorKey(d) != key {
			kept = append(kept, d)
		}
	}
	c.detectors = append(kept, types.AnomalyDetector{SingleMetricAnomalyDetector: s, Configuration: in.Configuration})
	return &cloudwatch.PutAnomalyDetectorOutput{}, nil
}

func detectorKey(d types.AnomalyDetector) string {
	s := d.SingleMetricAnomalyDetector
	return seriesKey(aws.ToString(s.Namespace), aws.ToString(s.MetricName), dimMap(s.Dimensions)) + "|" + aws.ToString(s.Stat)
}

// DescribeAnomalyDetectors lists the detectors, filtered by namespace and
// metric name when given, each TRAINED once its series has MinTraining
// values and PENDING_TRAINING before.
func (c *CloudWatch) DescribeAnomalyDetectors(_ context.Context, in *cloudwatch.DescribeAnomalyDetectorsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAnomalyDetectorsOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := &cloudwatch.DescribeAnomalyDetectorsOutput{}
	for _, d := range c.detectors {
		s := d.SingleMetricAnomalyDetector
		if in.Namespace != nil && aws.ToString(in.Namespace) != aws.ToString(s.Namespace) ||
			in.MetricName != nil && aws.ToString(in.MetricName) != aws.ToString(s.MetricName) {
			continue
		}
		d.StateValue = types.AnomalyDetectorStateValuePendingTraining
		if len(c.series[seriesKey(aws.ToString(s.Namespace), aws.ToString(s.MetricName), dimMap(s.Dimensions))]) >= c.MinTraining {
			d.StateValue = types.AnomalyDetectorStateValueTrained
		}
		out.AnomalyDetectors = append(out.AnomalyDetectors, d)
	}
	return out, nil
}

// DescribeAlarms answers no alarms: alarms are not modelled (moto keeps
// them in the sandbox).
func (c *CloudWatch) DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	return &cloudwatch.DescribeAlarmsOutput{}, nil
}

var bandExpr = regexp.MustCompile(`^\s*ANOMALY_DETECTION_BAND\(\s*([a-z][A-Za-z0-9_]*)\s*(?:,\s*([0-9.]+)\s*)?\)\s*$`)

// GetMetricData answers metric queries and ANOMALY_DETECTION_BAND
// expressions over [StartTime, EndTime).
func (c *CloudWatch) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	start, end := aws.ToTime(in.StartTime), aws.ToTime(in.EndTime)
	if !start.Before(end) {
		return nil, fmt.Errorf("ValidationError: StartTime must be before EndTime")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	byID := map[string]types.MetricDataQuery{}
	for _, q := range in.MetricDataQueries {
		byID[aws.ToString(q.Id)] = q
	}
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range in.MetricDataQueries {
		if q.ReturnData != nil && !*q.ReturnData {
			continue
		}
		id := aws.ToString(q.Id)
		switch {
		case q.MetricStat != nil:
			ts, vs := c.stat(*q.MetricStat, start, end)
			out.MetricDataResults = append(out.MetricDataResults, result(id, label(q), ts, vs, in.ScanBy))
		case q.Expression != nil:
			m := bandExpr.FindStringSubmatch(aws.ToString(q.Expression))
			src, ok := byID[m1(m)]
			if m == nil || !ok || src.MetricStat == nil {
				return nil, fmt.Errorf("ValidationError: the stand-in evaluates only ANOMALY_DETECTION_BAND(<id of a metric query>[, stddevs]), not %q", aws.ToString(q.Expression))
			}
			k := 2.0
			if m[2] != "" {
				var err error
				if k, err = strconv.ParseFloat(m[2], 64); err != nil {
					return nil, fmt.Errorf("ValidationError: band width %q is not a number", m[2])
				}
			}
			ts, lo, hi := c.band(*src.MetricStat, start, end, k)
			out.MetricDataResults = append(out.MetricDataResults,
				result(id, label(q)+" lower", ts, lo, in.ScanBy), result(id, label(q)+" upper", ts, hi, in.ScanBy))
		default:
			return nil, fmt.Errorf("ValidationError: query %s needs MetricStat or Expression", id)
		}
	}
	return out, nil
}

func m1(m []string) string {
	if m == nil {
		return ""
	}
	return m[1]
}

func label(q types.MetricDataQuery) string {
	if q.Label != nil {
		return *q.Label
	}
	return aws.ToString(q.Id)
}

func result(id, lbl string, ts []time.Time, vs []float64, scan types.ScanBy) types.MetricDataResult {
	if scan != types.ScanByTimestampAscending { // descending is CloudWatch's default
		ts, vs = append([]time.Time(nil), ts...), append([]float64(nil), vs...)
		for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
			ts[i], ts[j] = ts[j], ts[i]
			vs[i], vs[j] = vs[j], vs[i]
		}
	}
	return types.MetricDataResult{Id: aws.String(id), Label: aws.String(lbl), Timestamps: ts, Values: vs, StatusCode: types.StatusCodeComplete}
}

// stat aggregates a series by period over [start, end), oldest first.
func (c *CloudWatch) stat(ms types.MetricStat, start, end time.Time) ([]time.Time, []float64) {
	m := ms.Metric
	period := time.Duration(aws.ToInt32(ms.Period)) * time.Second
	if period <= 0 {
		period = time.Minute
	}
	buckets := map[time.Time][]float64{}
	for _, p := range c.series[seriesKey(aws.ToString(m.Namespace), aws.ToString(m.MetricName), dimMap(m.Dimensions))] {
		if p.t.Before(start) || !p.t.Before(end) {
			continue
		}
		b := start.Add(p.t.Sub(start).Truncate(period))
		buckets[b] = append(buckets[b], p.v)
	}
	ts := make([]time.Time, 0, len(buckets))
	for t := range buckets {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	vs := make([]float64, len(ts))
	for i, t := range ts {
		vs[i] = aggregate(aws.ToString(ms.Stat), buckets[t])
	}
	return ts, vs
}

func aggregate(stat string, v []float64) float64 {
	sorted := append([]float64(nil), v...)
	sort.Float64s(sorted)
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	switch {
	case stat == "Sum":
		return sum
	case stat == "Minimum":
		return sorted[0]
	case stat == "Maximum":
		return sorted[len(sorted)-1]
	case stat == "SampleCount":
		return float64(len(v))
	case strings.HasPrefix(stat, "p"):
		if p, err := strconv.ParseFloat(stat[1:], 64); err == nil {
			i := int(math.Ceil(p/100*float64(len(sorted)))) - 1 // nearest rank
			return sorted[min(max(i, 0), len(sorted)-1)]
		}
	}
	return sum / float64(len(v)) // Average
}

// band computes the lower and upper bound at each datapoint of the metric
// in [start, end) from its trailing window (see the package doc).
func (c *CloudWatch) band(ms types.MetricStat, start, end time.Time, k float64) (ts []time.Time, lo, hi []float64) {
	allT, allV := c.stat(ms, start.Add(-c.Window), end)
	for i, t := range allT {
		if t.Before(start) {
			continue
		}
		var win []float64
		for j := 0; j < i; j++ {
			if !allT[j].Before(t.Add(-c.Window)) {
				win = append(win, allV[j])
			}
		}
		if len(win) < c.MinTraining {
			continue
		}
		mean, sd := meanStddev(win)
		w := k * max(sd, 0.05*math.Abs(mean), 0.01)
		ts, lo, hi = append(ts, t), append(lo, mean-w), append(hi, mean+w)
	}
	return ts, lo, hi
}

func meanStddev(v []float64) (float64, float64) {
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	mean := sum / float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)))
}
