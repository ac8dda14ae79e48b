package dora

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/ledger"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func rec(svc, outcome, commit string, start, end int) ledger.Record {
	return ledger.Record{Cluster: "ecsflow-prod", Service: svc, Environment: "prod", Outcome: outcome, Commit: commit, Start: at(start), End: at(end)}
}

func commits(m map[string]int) CommitTime {
	return func(sha string) (time.Time, bool) {
		v, ok := m[sha]
		return at(v), ok
	}
}

func TestCompute(t *testing.T) {
	t.Parallel()
	records := []ledger.Record{
		// c1: two services, first success ends at 40 → lead time 40 min.
		rec("open-webui", "succeeded", "c1", 20, 40),
		rec("mcpo", "succeeded", "c1", 20, 45),
		// c2: rolled back by deploy-ecs in 6 minutes.
		rec("open-webui", "rolled-back", "c2", 100, 106),
		// c3: failed without rollback; a manual rollback record (not a
		// change deployment) restores it at 130; then c4 succeeds.
		rec("mcpo", "failed", "c3", 110, 115),
		{Cluster: "ecsflow-prod", Service: "mcpo", Outcome: "succeeded", RollbackOf: "c3", Start: at(125), End: at(130)},
		rec("mcpo", "succeeded", "c4", 200, 210),
		// outside the window: ignored.
		rec("mcpo", "succeeded", "c0", -100, -90),
	}
	r := Compute(records, commits(map[string]int{"c1": 0, "c4": 150}), t0, t0.Add(24*time.Hour))

	assert.Equal(t, 5, r.Deployments)
	assert.Equal(t, 3, r.Succeeded)
	assert.Equal(t, 2, r.Failed)
	assert.Equal(t, 1, r.Rollbacks)
	assert.InDelta(t, 3.0, r.PerDay, 1e-9)
	assert.InDelta(t, 0.4, r.ChangeFailureRate, 1e-9)
	assert.Equal(t, 2, r.LeadTimeSamples, "one sample per commit with a known time")
	assert.Equal(t, 40*time.Minute, r.LeadTimeMedian)
	assert.Equal(t, 60*time.Minute, r.LeadTimeP90)
	assert.Equal(t, 2, r.Restores)
	assert.Equal(t, 0, r.Unrestored)
	// restores: 6 min (rolled back) and 20 min (110 → 130): median is the lower (nearest rank).
	assert.Equal(t, 6*time.Minute, r.TimeToRestoreMedian)
}

func TestComputeUnrestoredAndEmpty(t *testing.T) {
	t.Parallel()
	r := Compute([]ledger.Record{rec("mcpo", "failed", "c9", 10, 12)}, commits(nil), t0, t0.Add(time.Hour))
	assert.Equal(t, 1, r.Unrestored)
	assert.Equal(t, 0, r.Restores)
	assert.False(t, r.Met(DefaultTargets)["restore"])

	empty := Compute(nil, commits(nil), t0, t0.Add(time.Hour))
	assert.Equal(t, 0, empty.Deployments)
	met := empty.Met(DefaultTargets)
	assert.False(t, met["frequency"])
	assert.False(t, met["lead-time"], "no data proves nothing")
	assert.False(t, met["failure-rate"])
	assert.True(t, met["restore"], "nothing failed, nothing to restore")
}

func TestMet(t *testing.T) {
	t.Parallel()
	var records []ledger.Record
	for i := range 12 {
		records = append(records, rec("open-webui", "succeeded", "c"+string(rune('a'+i)), i*60, i*60+20))
	}
	ct := func(string) (time.Time, bool) { return t0.Add(-10 * time.Minute), true }
	r := Compute(records, ct, t0, t0.Add(24*time.Hour))
	met := r.Met(DefaultTargets)
	assert.True(t, met["frequency"], "12 a day")
	assert.False(t, met["lead-time"], "lead time grows with each later deployment of an old commit time: %s", r.LeadTimeMedian)
	assert.True(t, met["failure-rate"])
	assert.True(t, met["restore"])
}

func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	records := []ledger.Record{
		rec("open-webui", "succeeded", "c1", 20, 40),
		rec("open-webui", "rolled-back", "c2", 100, 107),
	}
	r := Compute(records, commits(map[string]int{"c1": 5}), t0, t0.Add(24*time.Hour))
	r.Environment = "prod"
	got := r.Markdown(DefaultTargets)
	want, err := os.ReadFile("testdata/report.golden.md")
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

func TestShort(t *testing.T) {
	t.Parallel()
	cases := map[time.Duration]string{
		42 * time.Second:               "42s",
		7*time.Minute + 30*time.Second: "7m30s",
		7 * time.Minute:                "7m",
		2*time.Hour + 5*time.Minute:    "2h5m",
		2 * time.Hour:                  "2h",
		2*time.Hour + 40*time.Second:   "2h1m",
		1500 * time.Millisecond:        "2s",
	}
	for d, want := range cases {
		assert.Equal(t, want, short(d), d.String())
	}
}
