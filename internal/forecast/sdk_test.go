package forecast

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/forecastsim"
)

// The guard reads the forecast through the real SDK client from the
// sandbox's stand-in, as it does from AWS.
func TestCheckReadsTheForecastThroughTheSDK(t *testing.T) {
	t.Parallel()
	store := forecastsim.New()
	var points []forecastsim.Point
	for i, v := range workday {
		points = append(points, forecastsim.Point{At: start.Add(time.Duration(i) * time.Hour), Capacity: v})
	}
	store.Set("us-east-1", "service/ecsflow-dev/open-webui", "ecsflow-dev-open-webui-predictive", points)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { store.Serve(w, r, "us-east-1") }))
	defer srv.Close()
	api := aas.New(aas.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})

	req := Request{Cluster: "ecsflow-dev", Service: "open-webui", Policy: PolicyName("ecsflow-dev", "open-webui"), Now: start.Add(4 * time.Hour)}
	r := Check(context.Background(), api, req)
	require.Empty(t, r.Note)
	assert.True(t, r.Peak, r.Message())
	assert.Equal(t, 10.0, r.Capacity)

	req.Service = "mcpo"
	r = Check(context.Background(), api, req)
	assert.Contains(t, r.Note, "no predictive scaling policy")
}
