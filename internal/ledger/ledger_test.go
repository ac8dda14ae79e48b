package ledger

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// newLedger creates a fresh table on moto for one test.
func newLedger(t *testing.T) (*Ledger, *fakeClock) {
	t.Helper()
	cfg := sandboxtest.Config(t, "eu-west-1")
	db := dynamodb.NewFromConfig(cfg)
	table := fmt.Sprintf("ledger-%s-%d", t.Name(), time.Now().UnixNano())
	if len(table) > 200 {
		table = table[:200]
	}
	_, err := db.CreateTable(context.Background(), CreateTableInput(sanitize(table)))
	require.NoError(t, err)
	clk := &fakeClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	return &Ledger{DB: db, Table: sanitize(table), Now: clk.Now, Sleep: clk.Sleep}, clk
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	return string(b)
}

func TestRecordsAndLastKnownGood(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	recs := []Record{
		{Cluster: "prod", Service: "web", TaskDefinition: "arn:td/web:1", Outcome: "succeeded", Start: base, End: base.Add(time.Minute), Images: map[string]string{"app": "web@sha256:1"}, Actor: "alice", Commit: "aaaa"},
		{Cluster: "prod", Service: "web", TaskDefinition: "arn:td/web:2", Outcome: "succeeded", Start: base.Add(time.Hour), End: base.Add(time.Hour + time.Minute)},
		{Cluster: "prod", Service: "web", TaskDefinition: "arn:td/web:3", Outcome: "rolled-back", Start: base.Add(2 * time.Hour), Previous: "arn:td/web:2", Reason: "image pull error"},
		{Cluster: "prod", Service: "api", TaskDefinition: "arn:td/api:9", Outcome: "succeeded", Start: base.Add(3 * time.Hour)},
	}
	for _, r := range recs {
		require.NoError(t, l.Put(ctx, r))
	}
	hist, err := l.History(ctx, "prod", "web", 0)
	require.NoError(t, err)
	require.Len(t, hist, 3)
	assert.Equal(t, "arn:td/web:3", hist[0].TaskDefinition, "newest first")
	assert.Equal(t, "image pull error", hist[0].Reason)
	assert.Equal(t, map[string]string{"app": "web@sha256:1"}, hist[2].Images)
	assert.Equal(t, "alice", hist[2].Actor)

	good, err := l.LastKnownGood(ctx, "prod", "web", "arn:td/web:3")
	require.NoError(t, err)
	assert.Equal(t, "arn:td/web:2", good.TaskDefinition)
	good, err = l.LastKnownGood(ctx, "prod", "web", "arn:td/web:2")
	require.NoError(t, err)
	assert.Equal(t, "arn:td/web:1", good.TaskDefinition, "the revision being replaced is never the target")
	_, err = l.LastKnownGood(ctx, "prod", "nothing", "")
	assert.ErrorIs(t, err, ErrNoKnownGood)
}

func TestLockIsExclusiveAndNamesTheHolder(t *testing.T) {
	t.Parallel()
	l, clk := newLedger(t)
	ctx := context.Background()
	first, err := l.Acquire(ctx, "prod", "web", "run 1 by alice", 0)
	require.NoError(t, err)

	start := clk.Now()
	_, err = l.Acquire(ctx, "prod", "web", "run 2 by bob", 3*time.Minute)
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "run 1 by alice", le.Holder)
	assert.Contains(t, err.Error(), "service web is locked by run 1 by alice")
	assert.Equal(t, 3*time.Minute, clk.Now().Sub(start), "waits exactly the bound")

	other, err := l.Acquire(ctx, "prod", "api", "run 2 by bob", 0)
	require.NoError(t, err, "locks are per service")
	require.NoError(t, other.Release(ctx))

	require.NoError(t, first.Release(ctx))
	second, err := l.Acquire(ctx, "prod", "web", "run 2 by bob", 0)
	require.NoError(t, err)
	// a stale holder's release must not drop the new holder's lock
	require.NoError(t, first.Release(ctx))
	_, err = l.Acquire(ctx, "prod", "web", "run 3", 0)
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "run 2 by bob", le.Holder)
	require.NoError(t, second.Release(ctx))
}

func TestLockWaitsForRelease(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	first, err := l.Acquire(ctx, "prod", "web", "run 1", 0)
	require.NoError(t, err)
	released := false
	l.Sleep = func(ctx context.Context, d time.Duration) error {
		if !released {
			released = true
			return first.Release(ctx) // the holder finishes while we wait
		}
		return nil
	}
	second, err := l.Acquire(ctx, "prod", "web", "run 2", time.Minute)
	require.NoError(t, err)
	require.NoError(t, second.Release(ctx))
}

func TestExpiredLockIsTakenOver(t *testing.T) {
	t.Parallel()
	l, clk := newLedger(t)
	l.LockTTL = 10 * time.Minute
	ctx := context.Background()
	_, err := l.Acquire(ctx, "prod", "web", "crashed run", 0)
	require.NoError(t, err)
	clk.Sleep(ctx, 11*time.Minute)
	k, err := l.Acquire(ctx, "prod", "web", "run 2", 0)
	require.NoError(t, err)
	require.NoError(t, k.Release(ctx))
}

func TestHolder(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GITHUB_RUN_ID": "42", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_ACTOR": "alice", "GITHUB_SHA": "0123456789abcdef"}
	assert.Equal(t, "run https://github.com/o/r/actions/runs/42 by alice at 0123456", Holder(func(k string) string { return env[k] }))
	assert.Equal(t, "a local run", Holder(func(string) string { return "" }))
}

// A revision that was rolled back, deliberately by a rollback run or by ECS
// or the deployer after a failed deployment, is never known-good again.
func TestLastKnownGoodSkipsRolledBackRevisions(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	web := func(rev int) string { return fmt.Sprintf("arn:td/web:%d", rev) }
	cases := []struct {
		name    string
		recs    []Record
		exclude string
		want    string
	}{
		{"deliberate rollback: the revision rolled back from is not good", []Record{
			{TaskDefinition: web(1), Outcome: "succeeded", Start: at(0)},
			{TaskDefinition: web(2), Previous: web(1), Outcome: "succeeded", Start: at(1)},
			{TaskDefinition: web(1), Previous: web(2), Outcome: "succeeded", RollbackOf: web(2), Reason: "bad release", Start: at(2)},
		}, web(1), ""},
		{"deliberate rollback, then a new release", []Record{
			{TaskDefinition: web(1), Outcome: "succeeded", Start: at(0)},
			{TaskDefinition: web(2), Previous: web(1), Outcome: "succeeded", Start: at(1)},
			{TaskDefinition: web(1), Previous: web(2), Outcome: "succeeded", RollbackOf: web(2), Start: at(2)},
			{TaskDefinition: web(3), Previous: web(1), Outcome: "succeeded", Start: at(3)},
		}, web(3), web(1)},
		{"a revision rolled back once stays bad after a later success", []Record{
			{TaskDefinition: web(1), Outcome: "succeeded", Start: at(0)},
			{TaskDefinition: web(2), Previous: web(1), Outcome: "rolled-back", Start: at(1)},
			{TaskDefinition: web(2), Previous: web(1), Outcome: "succeeded", Start: at(2)},
			{TaskDefinition: web(3), Previous: web(2), Outcome: "succeeded", Start: at(3)},
		}, web(3), web(1)},
		{"failed is not good either", []Record{
			{TaskDefinition: web(1), Outcome: "succeeded", Start: at(0)},
			{TaskDefinition: web(2), Previous: web(1), Outcome: "succeeded", Start: at(1)},
			{TaskDefinition: web(2), Previous: web(1), Outcome: "failed", Start: at(2)},
		}, web(3), web(1)},
		{"a forced redeploy of the same revision does not mark it", []Record{
			{TaskDefinition: web(1), Outcome: "succeeded", Start: at(0)},
			{TaskDefinition: web(2), Previous: web(1), Outcome: "succeeded", Start: at(1)},
			{TaskDefinition: web(2), Previous: web(2), Outcome: "succeeded", RollbackOf: web(2), Start: at(2)},
		}, web(3), web(2)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, _ := newLedger(t)
			ctx := context.Background()
			for _, r := range tc.recs {
				r.Cluster, r.Service = "prod", "web"
				require.NoError(t, l.Put(ctx, r))
			}
			good, err := l.LastKnownGood(ctx, "prod", "web", tc.exclude)
			if tc.want == "" {
				require.ErrorIs(t, err, ErrNoKnownGood)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, good.TaskDefinition)
		})
	}
}
