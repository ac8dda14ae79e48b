package sandbox_test

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

	"github.com/ecsflow/ecsflow/internal/forecast"
	"github.com/ecsflow/ecsflow/internal/testenv/forecastsim"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// moto does not implement GetPredictiveScalingForecast; the sandbox's
// endpoint answers it from the forecast stand-in, per region, and leaves
// the rest of Application Auto Scaling to moto.
func TestTheSandboxServesPredictiveScalingForecasts(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	in := &aas.GetPredictiveScalingForecastInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/fc/web"),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyName: aws.String("fc-web-predictive"),
		StartTime: aws.Time(at), EndTime: aws.Time(at.Add(2 * time.Hour)),
	}

	motoCfg := sb.AWSConfig(ctx)
	motoCfg.BaseEndpoint = aws.String(sb.MotoURL)
	motoCfg.RetryMaxAttempts = 1
	_, err := aas.NewFromConfig(motoCfg).GetPredictiveScalingForecast(ctx, in)
	require.Error(t, err, "moto itself lacks the call (if this passes, moto gained it: drop the stand-in)")
	// The guard turns such an answer into a note, never a failure.
	r := forecast.Check(ctx, aas.NewFromConfig(motoCfg), forecast.Request{Cluster: "fc", Service: "web", Policy: "fc-web-predictive", Now: at})
	assert.NotEmpty(t, r.Note)
	assert.False(t, r.Peak)

	sb.Forecasts().Set("eu-north-1", "service/fc/web", "fc-web-predictive", []forecastsim.Point{{At: at, Capacity: 3}, {At: at.Add(time.Hour), Capacity: 8}})
	cfg := sandboxtest.Config(t, "eu-north-1")
	out, err := aas.NewFromConfig(cfg).GetPredictiveScalingForecast(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, []float64{3, 8}, out.CapacityForecast.Values)

	_, err = aas.NewFromConfig(sandboxtest.Config(t, "eu-south-1")).GetPredictiveScalingForecast(ctx, in)
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, "ObjectNotFoundException", ae.ErrorCode(), "forecasts are regional")

	_, err = aas.NewFromConfig(cfg).DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	require.NoError(t, err, "the rest of Application Auto Scaling is moto's")
}
