package forecast

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/forecastsim"
)

// The guard reads the forecast through the real SDK client from the
// sandbox's stand-in, as it does from AWS.
func TestCheckReadsTheForecastThroughTheSDK(t *testing.T) {
	t.Parallel()
	store := forecastsim.New()
	store.Set("us-east-1", "service/ecsflow-dev/open-webui", "ecsflow-dev-open-webui-predictive", forecastsim.Hourly(start, workday...))
	api, stop := store.Client("us-east-1")
	defer stop()

	req := Request{Cluster: "ecsflow-dev", Service: "open-webui", Policy: PolicyName("ecsflow-dev", "open-webui"), Now: start.Add(4 * time.Hour)}
	r := Check(context.Background(), api, req)
	require.Empty(t, r.Note)
	assert.True(t, r.Peak, r.Message())
	assert.Equal(t, 10.0, r.Capacity)

	req.Service = "mcpo"
	r = Check(context.Background(), api, req)
	assert.Contains(t, r.Note, "no predictive scaling policy")
}
