package utilisation_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/usagegen"
	"github.com/ecsflow/ecsflow/internal/utilisation"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

// TestReadFromTheSandbox writes 14 days of generated usage to moto's
// CloudWatch, in the service metrics' shape alone and in Container
// Insights' alone, and reads it back the way the report does: the same
// shares either way.
func TestReadFromTheSandbox(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := context.Background()
	cw := cloudwatch.NewFromConfig(sb.AWSConfig(ctx), cloudwatchclient.Options(sb.Getenv)...)
	end := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, p := range []usagegen.Profile{
		{Cluster: "usage-test", Service: "web", CPULow: 3, CPUHigh: 30, MemLow: 25, MemHigh: 40, Tasks: 2},
		{Cluster: "usage-test", Service: "insights", CPULow: 3, CPUHigh: 30, MemLow: 25, MemHigh: 40, Tasks: 3, TaskCPU: 512, TaskMemory: 1024, NoServiceMetrics: true},
	} {
		require.NoError(t, usagegen.Put(ctx, cw, []usagegen.Profile{p}, end, 14, 7))
		u, err := utilisation.Read(ctx, cw, "usage-test", p.Service, end, 14*24*time.Hour, time.Hour)
		require.NoError(t, err)
		want := usagegen.Series(p, end, 14, 7)
		require.Len(t, u.CPU.Values, len(want), p.Service)
		require.Len(t, u.Memory.Values, len(want), p.Service)
		for i, pt := range want {
			require.InDelta(t, pt.CPU, u.CPU.Values[i], 1e-6, "%s hour %d", p.Service, i)
			require.InDelta(t, pt.Memory, u.Memory.Values[i], 1e-6, "%s hour %d", p.Service, i)
		}
		require.Len(t, u.Tasks.Values, len(want))
		require.Equal(t, cost.Absolute, u.Tasks.Unit)
	}

	none, err := utilisation.Read(ctx, cw, "usage-test", "not-measured", end, 14*24*time.Hour, time.Hour)
	require.NoError(t, err)
	require.Equal(t, cost.Usage{}, none, "a service without metrics has no series")
}
