package rollback

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

// drain empties the simulator's shared token bucket, as a busy account
// does: the next calls find it empty.
func (e *env) drain() {
	e.t.Helper()
	for range 100 {
		if _, err := e.sim.DescribeClusters(context.Background(), &ecs.DescribeClustersInput{Clusters: []string{"prod"}}); err != nil {
			return
		}
	}
	e.t.Fatal("the token bucket never ran dry")
}

// Under an account's harsh throttling, rollback's reads of ECS's
// deployment history are retried like the engine's calls: previous
// without a ledger still resolves.
func TestPreviousFromHistoryUnderThrottling(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		storm map[string]int // extra refusals per operation, on top of the empty bucket
	}{
		{"empty bucket", nil},
		{"history reads refused twice", map[string]int{"ListServiceDeployments": 2, "DescribeServiceRevisions": 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvLB(t, nil, nil, ecssim.WithThrottling(ecssim.HarshThrottling))
			e.update("web:v2", 3*time.Minute)
			e.steadyOn("web:2")
			e.drain()
			for op, n := range tc.storm {
				e.sim.Throttle(op, n)
			}
			r := e.run(map[string]string{"cluster": "prod", "service": "web", "to": "previous"})
			require.Equal(t, 0, r.code, r.stdout)
			assert.NotContains(t, r.stdout, "::warning::")
			assert.Equal(t, tdARN("web:1"), output(r.outputs, "task-definition-arn"))
			e.steadyOn("web:1")
			out, err := e.sim.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"web"}})
			require.NoError(t, err)
			assert.Equal(t, tdARN("web:1"), aws.ToString(out.Services[0].TaskDefinition))
		})
	}
}
