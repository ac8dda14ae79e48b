package optimize

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/testenv/ghstub"
)

// TestIssueOpensUpdatesThenCloses keeps one issue per environment on the
// GitHub stand-in over four weekly runs: the first opens it, the second
// updates the same issue, a run with nothing to save closes it with a
// comment, and another environment gets an issue of its own.
func TestIssueOpensUpdatesThenCloses(t *testing.T) {
	t.Parallel()
	gh := ghstub.New(t)
	getenv := func(k string) string { return map[string]string{"GITHUB_REPOSITORY": "o/r"}[k] }
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	env := &cli.Env{Console: gha.New(&bytes.Buffer{}, getenv), Getenv: getenv, Now: func() time.Time { return at }}
	deps := Deps{GitHubAPI: gh.URL}
	report := func(monthly, after float64) cost.Report {
		return cost.Report{Region: "us-east-1", PriceDate: "2026-11-26", Monthly: monthly, After: after, Saving: monthly - after, SavingPercent: 100 * (monthly - after) / monthly}
	}
	steps := []struct {
		name, environment string
		rep               cost.Report
		n                 int
		action, title     string
		open              bool
	}{
		{"first run opens", "dev", report(100, 40), 1, "opened", "Cost report for dev: save $60.00 a month (60.0 %)", true},
		{"second run updates the same issue", "dev", report(100, 50), 1, "updated", "Cost report for dev: save $50.00 a month (50.0 %)", true},
		{"another environment has its own", "prod", report(300, 240), 2, "opened", "Cost report for prod: save $60.00 a month (20.0 %)", true},
		{"nothing to save closes it", "dev", report(50, 50), 1, "closed", "Cost report for dev: save $50.00 a month (50.0 %)", false},
		{"nothing to save and no issue does nothing", "dev", report(50, 50), 0, "", "", false},
	}
	for _, st := range steps { // in order: each run sees what the one before left
		cfg := &Config{Environment: st.environment, Issue: true, Token: gh.Token}
		n, action, err := syncIssue(context.Background(), env, deps, cfg, st.rep)
		require.NoError(t, err, st.name)
		require.Equal(t, st.n, n, st.name)
		require.Equal(t, st.action, action, st.name)
		if n == 0 {
			continue
		}
		is := gh.Issues()[n-1]
		require.Equal(t, st.title, is.Title, st.name)
		require.Equal(t, st.open, is.State == "open", st.name)
		require.True(t, is.HasLabel(IssueLabel), st.name)
		require.Contains(t, is.Body, issueMarker(st.environment), st.name)
	}
	all := gh.Issues()
	require.Len(t, all, 2, "one issue per environment, never a second for the same one")
	require.Len(t, all[0].Comments, 1)
	require.Equal(t, "Nothing left to save in dev as of 2026-12-07 06:00 UTC: every service is sized for its use.", all[0].Comments[0].Body)
	require.Equal(t, "completed", all[0].StateReason)
}
