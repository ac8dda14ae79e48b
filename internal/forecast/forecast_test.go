package forecast

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/exitcode"
)

type fakeAPI struct {
	out *aas.GetPredictiveScalingForecastOutput
	err error
	in  *aas.GetPredictiveScalingForecastInput
}

func (f *fakeAPI) GetPredictiveScalingForecast(_ context.Context, in *aas.GetPredictiveScalingForecastInput, _ ...func(*aas.Options)) (*aas.GetPredictiveScalingForecastOutput, error) {
	f.in = in
	return f.out, f.err
}

var start = time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)

// hourly returns a capacity forecast of one value per hour from start.
func hourly(values ...float64) *aas.GetPredictiveScalingForecastOutput {
	f := &aastypes.CapacityForecast{Values: values}
	for i := range values {
		f.Timestamps = append(f.Timestamps, start.Add(time.Duration(i)*time.Hour))
	}
	return &aas.GetPredictiveScalingForecastOutput{CapacityForecast: f}
}

// workday is a day's forecast: 2 tasks at night, 10 at the 09:00 peak.
var workday = []float64{2, 2, 3, 6, 10, 9, 7, 5, 4, 4, 4, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}

func TestCheckFindsAForecastPeakInTheDeploymentWindow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		now      time.Time
		window   time.Duration
		forecast []float64
		peak     bool
		capacity float64
		at       time.Time
	}{
		{"starting at the peak hour", start.Add(4*time.Hour + 10*time.Minute), time.Hour, workday, true, 10, start.Add(4 * time.Hour)},
		{"a window that reaches the peak", start.Add(3*time.Hour + 30*time.Minute), time.Hour, workday, true, 10, start.Add(4 * time.Hour)},
		{"in the ramp below the top tenth", start.Add(3 * time.Hour), 30 * time.Minute, workday, false, 6, start.Add(3 * time.Hour)},
		{"at night", start.Add(14 * time.Hour), time.Hour, workday, false, 2, start.Add(14 * time.Hour)},
		{"a flat forecast has no peak", start, time.Hour, []float64{4, 4, 4, 4}, false, 4, start},
		{"no window given is one hour", start.Add(4 * time.Hour), 0, workday, true, 10, start.Add(4 * time.Hour)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{out: hourly(tc.forecast...)}
			r := Check(context.Background(), api, Request{Cluster: "c", Service: "web", Policy: "c-web-predictive", Now: tc.now, Window: tc.window})
			require.Empty(t, r.Note)
			assert.Equal(t, tc.peak, r.Peak, r.Message())
			assert.Equal(t, tc.capacity, r.Capacity)
			assert.Equal(t, tc.at, r.At)
			assert.Equal(t, "service/c/web", aws.ToString(api.in.ResourceId))
			assert.Equal(t, "c-web-predictive", aws.ToString(api.in.PolicyName))
			assert.Equal(t, aastypes.ServiceNamespaceEcs, api.in.ServiceNamespace)
			assert.LessOrEqual(t, api.in.EndTime.Sub(*api.in.StartTime), 30*24*time.Hour, "the API allows at most 30 days")
		})
	}
}

func TestCheckTurnsAnUnreadableForecastIntoANote(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		out  *aas.GetPredictiveScalingForecastOutput
		err  error
		note string
	}{
		{"access denied", nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}, "application-autoscaling:GetPredictiveScalingForecast"},
		{"no such policy", nil, &aastypes.ObjectNotFoundException{Message: aws.String("no policy")}, "no predictive scaling policy c-web-predictive"},
		{"an endpoint without the call", nil, &smithy.GenericAPIError{Code: "UnknownOperationException"}, "does not offer GetPredictiveScalingForecast"},
		{"another API error", nil, &smithy.GenericAPIError{Code: "ValidationException", Message: "bad time range"}, "ValidationException: bad time range"},
		{"a transport error", nil, errors.New("connection refused"), "connection refused"},
		{"not enough data yet", &aas.GetPredictiveScalingForecastOutput{}, nil, "needs 24 hours of metrics"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Check(context.Background(), &fakeAPI{out: tc.out, err: tc.err}, Request{Cluster: "c", Service: "web", Policy: "c-web-predictive", Now: start})
			assert.Contains(t, r.Note, tc.note)
			assert.False(t, r.Peak)
			assert.False(t, Block.Blocks(r), "a missing forecast never blocks")
			assert.Contains(t, r.Message(), "forecast not read")
		})
	}
}

func TestGuardBlocksOnlyAPeakAndOnlyWhenAskedTo(t *testing.T) {
	t.Parallel()
	peak := Result{Peak: true}
	assert.True(t, Block.Blocks(peak))
	assert.False(t, Warn.Blocks(peak))
	assert.False(t, Off.Blocks(peak))
	assert.False(t, Block.Blocks(Result{}))
}

func TestPolicyName(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "ecsflow-dev-open-webui-predictive", PolicyName("ecsflow-dev", "open-webui"))
}

func TestApplyReportsEveryServiceAndReturnsWhatBlocks(t *testing.T) {
	t.Parallel()
	now := start.Add(4 * time.Hour)
	cases := []struct {
		guard   Guard
		api     API
		reports int
		blocked int
	}{
		{Block, &fakeAPI{out: hourly(workday...)}, 2, 2},
		{Warn, &fakeAPI{out: hourly(workday...)}, 2, 0},
		{Off, &fakeAPI{out: hourly(workday...)}, 0, 0},
		{Block, &fakeAPI{err: &smithy.GenericAPIError{Code: "AccessDeniedException"}}, 2, 0},
		{Block, nil, 0, 0},
	}
	for _, tc := range cases {
		t.Run(string(tc.guard), func(t *testing.T) {
			t.Parallel()
			var got []Result
			blocked := tc.guard.Apply(context.Background(), tc.api, "c", []string{"web", "api"}, now, func(r Result) { got = append(got, r) })
			assert.Len(t, got, tc.reports)
			assert.Len(t, blocked, tc.blocked)
		})
	}
}

type logLines struct{ info, warn, notice []string }

func (l *logLines) Infof(f string, a ...any)    { l.info = append(l.info, fmt.Sprintf(f, a...)) }
func (l *logLines) Warningf(f string, a ...any) { l.warn = append(l.warn, fmt.Sprintf(f, a...)) }
func (l *logLines) Noticef(f string, a ...any)  { l.notice = append(l.notice, fmt.Sprintf(f, a...)) }

func TestRunWarnsOnAPeakAndBlocksOnlyWhenAskedTo(t *testing.T) {
	t.Parallel()
	peakHour := start.Add(4 * time.Hour)
	night := start.Add(14 * time.Hour)
	cases := []struct {
		name                 string
		guard                Guard
		now                  time.Time
		err                  error
		code                 int
		warns, infos, notice int
	}{
		{"warn at the peak", Warn, peakHour, nil, 0, 1, 0, 0},
		{"block at the peak", Block, peakHour, nil, 1, 1, 0, 0},
		{"block at night", Block, night, nil, 0, 0, 1, 0},
		{"block without access", Block, peakHour, &smithy.GenericAPIError{Code: "AccessDeniedException"}, 0, 0, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{out: hourly(workday...), err: tc.err}
			l := &logLines{}
			err := tc.guard.Run(context.Background(), api, "c", []string{"web"}, tc.now, l, "deployment")
			assert.Equal(t, tc.code, exitcode.Code(err), "%v", err)
			if tc.code != 0 {
				assert.ErrorContains(t, err, "deployment not started: forecast-guard is block and web: the deployment starts into a forecast peak")
			}
			assert.Len(t, l.warn, tc.warns)
			assert.Len(t, l.info, tc.infos)
			assert.Len(t, l.notice, tc.notice)
		})
	}
}
