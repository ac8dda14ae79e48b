package ecr

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// callCounter counts ECR requests by operation (the X-Amz-Target header)
// on their way to the sandbox.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
	next  http.RoundTripper
}

func (c *callCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.Header.Get("X-Amz-Target")
	op = op[strings.LastIndex(op, ".")+1:]
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *callCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.calls
	c.calls = map[string]int{}
	return got
}

// productionClient is an ECR client on the sandbox with the retry
// behaviour the actions run with (awsconfig.Load: adaptive, 10 attempts),
// counting its requests.
func productionClient(t *testing.T, region string) (*ecr.Client, *callCounter) {
	t.Helper()
	counter := &callCounter{calls: map[string]int{}, next: http.DefaultTransport}
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Options{
		Region:     region,
		HTTPClient: &http.Client{Transport: counter, Timeout: time.Minute},
		Getenv:     func(string) string { return "" },
	})
	require.NoError(t, err)
	sb := sandboxtest.Config(t, region)
	cfg.BaseEndpoint, cfg.Credentials = sb.BaseEndpoint, sb.Credentials
	return ecr.NewFromConfig(cfg), counter
}

// A re-run on an image ECR scanned today: StartImageScan answers with the
// per-image quota (one basic scan per 24 hours). That answer is final, not
// throttling: one request, then the existing findings are read.
func TestRescanReadsExistingFindings(t *testing.T) {
	t.Parallel()
	const region = "ca-central-1"
	api, counter := productionClient(t, region)
	ctx := context.Background()
	_, err := EnsureRepository(ctx, api, "rescanned", true)
	require.NoError(t, err)
	require.NoError(t, Record(ctx, api, "rescanned", []byte(manifestA), "application/vnd.oci.image.manifest.v1+json", []string{"v1"}, digestA))
	id := types.ImageIdentifier{ImageDigest: aws.String(digestA)}
	opts := ScanOptions{FailOn: "HIGH", Clock: &fakeClock{now: time.Unix(1_700_000_000, 0)}}

	first, err := Scan(ctx, api, "rescanned", id, opts)
	require.NoError(t, err)
	counter.take()

	again, err := Scan(ctx, api, "rescanned", id, opts)
	require.NoError(t, err, "a re-run on a scanned image reads its findings")
	require.Equal(t, first, again, "the same findings as the first run")
	require.Equal(t, 1, again.Blocking)
	calls := counter.take()
	require.Equal(t, 1, calls["StartImageScan"], "the quota answer is not retried as throttling (calls: %v)", calls)
	require.Equal(t, 1, calls["DescribeImageScanFindings"], "the existing findings are read once (calls: %v)", calls)
}
