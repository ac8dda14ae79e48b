package deployecs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/taskdef"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/simaccount"
)

// ledgerOnMoto creates a fresh ledger table on the local stand-in for AWS.
func ledgerOnMoto(t *testing.T, prefix string) (*dynamodb.Client, string) {
	t.Helper()
	db := dynamodb.NewFromConfig(sandboxtest.Config(t, "eu-west-3"))
	table := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
	_, err := db.CreateTable(context.Background(), ledger.CreateTableInput(table))
	require.NoError(t, err)
	return db, table
}

// lockedLedger gives e a fresh ledger table whose lock of service web is
// held by holder.
func (e *env) lockedLedger(t *testing.T, prefix, holder string) (*ledger.Ledger, *ledger.Lock) {
	t.Helper()
	db, table := ledgerOnMoto(t, prefix)
	e.ddb = db
	l := &ledger.Ledger{DB: db, Table: table, Now: e.Sim.Now}
	lock, err := l.Acquire(context.Background(), "prod", "web", holder, 0)
	require.NoError(t, err)
	return l, lock
}

// contendedDB is the ledger table as one queued run sees it: its first
// attempt to take the lock finds the lock held by the run queued before it,
// which then deploys to the end (ahead runs that run) before this run's
// next attempt.
type contendedDB struct {
	ledger.DynamoDB
	ahead func()
	tried bool
}

func (d *contendedDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if pk, ok := in.Item[ledger.PartitionKey].(*ddbtypes.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, "lock#") && !d.tried && d.ahead != nil {
		d.tried = true
		d.ahead()
		return nil, &ddbtypes.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	return d.DynamoDB.PutItem(ctx, in, o...)
}

// cancelOnDeploy cancels its run right after the service is updated to a
// new revision: the workflow run is cancelled mid-deployment.
type cancelOnDeploy struct {
	deploy.ECS
	cancel context.CancelFunc
}

func (c cancelOnDeploy) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, o ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	out, err := c.ECS.UpdateService(ctx, in, o...)
	c.cancel()
	return out, err
}

// N runs queue on one service's lock; one of them fails or is cancelled
// mid-deployment. That run must leave the service on the revision its
// predecessor deployed, and every run's ledger record must name the
// revision that was live when it took the lock.
func TestQueuedRunsRollBackToThePredecessor(t *testing.T) {
	t.Parallel()
	const n = 4
	cases := []struct {
		name   string
		bad    int // 1-based position in the queue
		cancel bool
	}{
		{"second fails", 2, false},
		{"last fails", n, false},
		{"third cancelled", 3, true},
		{"last cancelled", n, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, "web")
			db, table := ledgerOnMoto(t, "queued")
			if !tc.cancel {
				e.Sim.InjectFault(simaccount.PullError(fmt.Sprintf("web:r%d", tc.bad)))
			}
			// after[k] is the revision the service runs when run k is done.
			after := map[int]string{0: "web:1"}
			codes := map[int]int{}
			var run func(k int)
			run = func(k int) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var ecsc deploy.ECS = e.Sim
				if tc.cancel && k == tc.bad {
					ecsc = cancelOnDeploy{ECS: e.Sim, cancel: cancel}
				}
				ddb := &contendedDB{DynamoDB: db}
				if k > 1 {
					ddb.ahead = func() { run(k - 1) }
				}
				r := e.runActionWith(ctx, t, map[string]string{"cluster": "prod", "service": "web", "container-name": "app",
					"image": fmt.Sprintf("web:r%d", k), "ledger-table": table, "lock-timeout": "6h", "timeout": "20m"}, ecsc, ddb)
				codes[k] = r.code
				e.Sim.Advance(5 * time.Minute) // a cancelled run's rollback is finished by deploy.ECS
				after[k] = taskdef.FamilyRevision(aws.ToString(e.Service("web").TaskDefinition))
			}
			run(n)

			for k := 1; k <= n; k++ {
				if k == tc.bad {
					assert.Equal(t, 1, codes[k], "run %d failed", k)
					assert.Equal(t, after[k-1], after[k], "run %d leaves the service on its predecessor's revision", k)
				} else {
					assert.Equal(t, 0, codes[k], "run %d succeeded", k)
				}
			}
			e.SteadyOn("web", after[n])

			l := &ledger.Ledger{DB: db, Table: table}
			hist, err := l.History(context.Background(), "prod", "web", 0)
			require.NoError(t, err)
			require.Len(t, hist, n)
			for i, rec := range hist {
				k := n - i // newest first
				assert.Equal(t, after[k-1], taskdef.FamilyRevision(rec.Previous), "run %d's ledger previous is the revision live when it took the lock", k)
			}
		})
	}
}

// Inputs are checked against AWS before the lock is taken: a wrong one
// fails at once (exit 2) instead of waiting for another run's lock.
func TestBadInputDoesNotWaitForTheLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	l, lock := e.lockedLedger(t, "badinput", "run 7")
	t.Cleanup(func() { _ = lock.Release(context.Background()) })
	table := l.Table

	start := e.Sim.Now()
	r := e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "container-name": "ghost", "image": "web:v2",
		"ledger-table": table, "lock-timeout": "2m"})
	require.Equal(t, 2, r.code, r.stdout)
	assert.Contains(t, r.stdout, `input "container-name"`)
	assert.Equal(t, start, e.Sim.Now(), "no time spent waiting for the lock")
}
