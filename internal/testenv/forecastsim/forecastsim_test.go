package forecastsim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// client is the real SDK client pointed at the stand-in for region.
func client(t *testing.T, s *Store, region string) *aas.Client {
	t.Helper()
	c, stop := s.Client(region)
	t.Cleanup(stop)
	return c
}

var t0 = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

func input(policy string, from, to time.Time) *aas.GetPredictiveScalingForecastInput {
	return &aas.GetPredictiveScalingForecastInput{
		ServiceNamespace:  aastypes.ServiceNamespaceEcs,
		ResourceId:        aws.String("service/c/web"),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		PolicyName:        aws.String(policy),
		StartTime:         aws.Time(from),
		EndTime:           aws.Time(to),
	}
}

func TestTheSDKReadsTheForecastInTheRequestedRange(t *testing.T) {
	t.Parallel()
	s := New()
	s.Set("eu-west-1", "service/c/web", "p", append(Hourly(t0.Add(2*time.Hour), 7), Hourly(t0, 2, 4)...))
	out, err := client(t, s, "eu-west-1").GetPredictiveScalingForecast(context.Background(), input("p", t0.Add(time.Hour), t0.Add(3*time.Hour)))
	require.NoError(t, err)
	require.NotNil(t, out.CapacityForecast)
	assert.Equal(t, []float64{4, 7}, out.CapacityForecast.Values)
	assert.Equal(t, []time.Time{t0.Add(time.Hour), t0.Add(2 * time.Hour)}, utc(out.CapacityForecast.Timestamps))
}

func utc(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, x := range ts {
		out[i] = x.UTC()
	}
	return out
}

func TestTheStandInAnswersErrorsAsTheAPIDocuments(t *testing.T) {
	t.Parallel()
	s := New()
	s.Set("us-east-1", "service/c/web", "p", []Point{{t0, 2}})
	s.Set("us-east-1", "service/c/web", "young", nil)
	cases := []struct {
		name   string
		region string
		in     *aas.GetPredictiveScalingForecastInput
		code   string
	}{
		{"unknown policy", "us-east-1", input("other", t0, t0.Add(time.Hour)), "ObjectNotFoundException"},
		{"another region knows no policy", "eu-west-1", input("p", t0, t0.Add(time.Hour)), "ObjectNotFoundException"},
		{"more than 30 days", "us-east-1", input("p", t0, t0.Add(31*24*time.Hour)), "ValidationException"},
		{"end before start", "us-east-1", input("p", t0, t0.Add(-time.Hour)), "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := client(t, s, tc.region).GetPredictiveScalingForecast(context.Background(), tc.in)
			var ae smithy.APIError
			require.True(t, errors.As(err, &ae), "%v", err)
			assert.Equal(t, tc.code, ae.ErrorCode())
		})
	}
	t.Run("a policy without 24 hours of data has no forecast", func(t *testing.T) {
		t.Parallel()
		out, err := client(t, s, "us-east-1").GetPredictiveScalingForecast(context.Background(), input("young", t0, t0.Add(time.Hour)))
		require.NoError(t, err)
		assert.Nil(t, out.CapacityForecast)
	})
}
