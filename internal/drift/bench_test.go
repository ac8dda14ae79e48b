package drift_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/testenv/drifttest"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// countingTransport counts HTTP requests, retries included.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// BenchmarkScan scans stacks of growing size on moto: the example-sized
// stack (3 services, as examples/open-webui has) and generated stacks of 50
// and 500 services, each with its task definition, target group, listener
// rule, log group and alarm. It reports AWS requests per resource (goal:
// at most 1.5) and time per resource (flat when growth is linear).
func BenchmarkScan(b *testing.B) {
	for _, n := range []int{3, 50, 500} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			bs := benchStack(b, n)
			c, objs, ct := bs.c, bs.objs, bs.ct
			b.ResetTimer()
			ct.n.Store(0)
			var res *drift.Result
			var err error
			for i := 0; i < b.N; i++ {
				res, err = drift.New(c.Drift(), drift.Options{}).Scan(context.Background(), objs)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if len(res.Findings) != 0 {
				b.Fatalf("a stack in sync reported %d findings", len(res.Findings))
			}
			per := float64(ct.n.Load()) / float64(b.N) / float64(len(objs))
			b.ReportMetric(float64(len(objs)), "resources")
			b.ReportMetric(per, "requests/resource")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/scan")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(len(objs)), "µs/resource")
		})
	}
}

type builtBench struct {
	c    drifttest.Clients
	objs []tfstate.Object
	ct   *countingTransport
}

var (
	benchMu     sync.Mutex
	benchStacks = map[int]*builtBench{}
)

// benchStack builds a stack once per size and test binary (the benchmark
// function runs more than once while b.N grows).
func benchStack(b *testing.B, n int) *builtBench {
	benchMu.Lock()
	defer benchMu.Unlock()
	if bs, ok := benchStacks[n]; ok {
		return bs
	}
	sb := sandboxtest.Start(b)
	region := map[int]string{3: "us-east-2", 50: "eu-south-1", 500: "eu-south-2"}[n]
	cfg := sandboxtest.Config(b, region)
	cfg.BaseEndpoint = aws.String(sb.MotoURL)
	cfg.RetryMaxAttempts = 10
	ct := &countingTransport{next: http.DefaultTransport}
	cfg.HTTPClient = &http.Client{Transport: ct, Timeout: 60 * time.Second}
	c := drifttest.NewClients(cfg, cloudwatchclient.Options(sb.Getenv)...)
	st, err := drifttest.Build(context.Background(), c, drifttest.Options{Name: fmt.Sprintf("b%d%s", n, strings.ReplaceAll(region, "-", "")), Services: n})
	if err != nil {
		b.Fatal(err)
	}
	s, err := tfstate.Parse(st.State())
	if err != nil {
		b.Fatal(err)
	}
	bs := &builtBench{c: c, objs: s.Managed(), ct: ct}
	benchStacks[n] = bs
	return bs
}
