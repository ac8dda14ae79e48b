package cwsim

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
)

// recorder is the fallback: it answers every request with an error and
// remembers the actions it was given.
type recorder struct {
	mu      sync.Mutex
	actions []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	v, _ := url.ParseQuery(string(b))
	r.mu.Lock()
	r.actions = append(r.actions, v.Get("Action"))
	r.mu.Unlock()
	w.WriteHeader(http.StatusTeapot)
}

// client is the SDK's CloudWatch client as the project builds it for a
// local endpoint (query protocol).
func client(t *testing.T, h http.Handler) *cloudwatch.Client {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	getenv := func(k string) string {
		if k == "AWS_ENDPOINT_URL" {
			return srv.URL
		}
		return ""
	}
	return cloudwatch.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}, cloudwatchclient.Options(getenv)...)
}

// TestQueryProtocol: the SDK's client, speaking the query protocol, reads
// the same band through the handler as a direct call returns, manages
// detectors, and every other call reaches the fallback untouched.
func TestQueryProtocol(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cw := New()
	vals := make([]float64, 0, 21)
	for i := range 20 {
		vals = append(vals, float64(10+i%3))
	}
	put(cw, append(vals, 30)...)
	fb := &recorder{}
	c := client(t, cw.Handler(fb))

	want, err := cw.GetMetricData(ctx, bandQuery(", 3"))
	require.NoError(t, err)
	got, err := c.GetMetricData(ctx, bandQuery(", 3"))
	require.NoError(t, err)
	require.Len(t, got.MetricDataResults, len(want.MetricDataResults))
	for i, w := range want.MetricDataResults {
		g := got.MetricDataResults[i]
		assert.Equal(t, aws.ToString(w.Id), aws.ToString(g.Id))
		assert.Equal(t, w.Timestamps, g.Timestamps)
		assert.InDeltaSlice(t, w.Values, g.Values, 1e-9)
		assert.Equal(t, types.StatusCodeComplete, g.StatusCode)
	}

	plain := bandQuery("")
	plain.MetricDataQueries = plain.MetricDataQueries[:1]
	got, err = c.GetMetricData(ctx, plain)
	require.NoError(t, err, "a series the stand-in holds is answered without a band too")
	require.Len(t, got.MetricDataResults[0].Values, 21)

	_, err = c.PutAnomalyDetector(ctx, &cloudwatch.PutAnomalyDetectorInput{SingleMetricAnomalyDetector: &types.SingleMetricAnomalyDetector{
		Namespace: aws.String("NS"), MetricName: aws.String("M"), Stat: aws.String("Sum"), Dimensions: []types.Dimension{{Name: aws.String("D"), Value: aws.String("x")}}}})
	require.NoError(t, err)
	ds, err := c.DescribeAnomalyDetectors(ctx, &cloudwatch.DescribeAnomalyDetectorsInput{Namespace: aws.String("NS")})
	require.NoError(t, err)
	require.Len(t, ds.AnomalyDetectors, 1)
	d := ds.AnomalyDetectors[0]
	assert.Equal(t, types.AnomalyDetectorStateValueTrained, d.StateValue)
	assert.Equal(t, "x", aws.ToString(d.SingleMetricAnomalyDetector.Dimensions[0].Value))

	_, err = c.PutAnomalyDetector(ctx, &cloudwatch.PutAnomalyDetectorInput{})
	require.ErrorContains(t, err, "StatusCode: 400", "the stand-in's refusal is a query-protocol error")
	require.ErrorContains(t, err, "SingleMetricAnomalyDetector")
	assert.Empty(t, fb.actions, "nothing so far was the fallback's")

	other := bandQuery("")
	other.MetricDataQueries = other.MetricDataQueries[:1]
	other.MetricDataQueries[0].MetricStat.Metric.MetricName = aws.String("PutByMetricData")
	_, err = c.GetMetricData(ctx, other)
	require.Error(t, err)
	_, err = c.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("a")})
	require.Error(t, err)
	assert.Equal(t, []string{"GetMetricData", "PutMetricAlarm"}, fb.actions,
		"series the stand-in does not hold and alarms go to the fallback")
}
