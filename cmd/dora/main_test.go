package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

// gitRepo makes a clone with two commits at known times and returns their SHAs.
func gitRepo(t *testing.T, times ...time.Time) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	git := func(env []string, args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	git(nil, "init", "-q")
	var shas []string
	for i, ts := range times {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte{byte(i)}, 0o644))
		date := ts.Format(time.RFC3339)
		env := []string{"GIT_AUTHOR_DATE=" + date, "GIT_COMMITTER_DATE=" + date,
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org"}
		git(env, "add", "f")
		git(env, "commit", "-q", "-m", "c")
		shas = append(shas, git(nil, "rev-parse", "HEAD"))
	}
	return dir, shas
}

// The DORA report from a ledger in (moto's) DynamoDB and commit times from git.
func TestReportFromLedger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := sandboxtest.Config(t, "eu-north-1")
	db := dynamodb.NewFromConfig(cfg)
	table := "dora-" + strings.ReplaceAll(t.Name(), "/", "-")
	_, err := db.CreateTable(ctx, ledger.CreateTableInput(table))
	require.NoError(t, err)

	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	repo, shas := gitRepo(t, now.Add(-5*time.Hour), now.Add(-3*time.Hour))
	l := &ledger.Ledger{DB: db, Table: table}
	put := func(r ledger.Record) { require.NoError(t, l.Put(ctx, r)) }
	put(ledger.Record{ID: "1", Cluster: "ecsflow-prod", Service: "open-webui", Environment: "prod", Commit: shas[0],
		Outcome: "succeeded", Start: now.Add(-4*time.Hour - 30*time.Minute), End: now.Add(-4 * time.Hour)})
	put(ledger.Record{ID: "2", Cluster: "ecsflow-prod", Service: "mcpo", Environment: "prod", Commit: shas[1],
		Outcome: "rolled-back", Start: now.Add(-2 * time.Hour), End: now.Add(-2*time.Hour + 4*time.Minute)})

	var out, errb bytes.Buffer
	summary := filepath.Join(t.TempDir(), "summary.md")
	jsonPath := filepath.Join(t.TempDir(), "dora.json")
	getenv := func(k string) string {
		if k == "GITHUB_STEP_SUMMARY" {
			return summary
		}
		return ""
	}
	newDB := func(context.Context, string) (ledger.DynamoDB, error) { return db, nil }
	code := run(ctx, []string{"--table", table, "--cluster", "ecsflow-prod", "--services", "open-webui, mcpo",
		"--environment", "prod", "--since", "24h", "--repo", repo, "--json", jsonPath},
		&out, &errb, getenv, func() time.Time { return now }, newDB)
	require.Equal(t, 0, code, errb.String())

	md := out.String()
	assert.Contains(t, md, "### DORA metrics: prod")
	assert.Contains(t, md, "| Lead time for changes | 1h median, 1h p90 (1 commits) | < 1h | ❌ not met |")
	assert.Contains(t, md, "| Change failure rate | 50.0 % | < 5 % | ❌ not met |")
	assert.Contains(t, md, "| Time to restore service | 4m median (1 restored) | < 10m | ✅ met |")
	written, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Equal(t, md, string(written))

	var rep struct {
		Deployments int             `json:"deployments"`
		Met         map[string]bool `json:"met"`
	}
	data, err := os.ReadFile(jsonPath)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &rep))
	assert.Equal(t, 2, rep.Deployments)
	assert.True(t, rep.Met["restore"])

	// --fail-on-miss turns a missed target into exit 1.
	code = run(ctx, []string{"--table", table, "--cluster", "ecsflow-prod", "--services", "mcpo", "--repo", repo, "--fail-on-miss"},
		&out, &errb, getenv, func() time.Time { return now }, newDB)
	assert.Equal(t, 1, code)
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--cluster", "c", "--services", "s"}, "--table is required"},
		{[]string{"--table", "t", "--services", "s"}, "--cluster is required"},
		{[]string{"--table", "t", "--cluster", "c"}, "--services is required"},
		{[]string{"--table", "t", "--cluster", "c", "--services", "s", "--since", "-1h"}, "is not a positive duration"},
		{[]string{"--nope"}, "flag provided but not defined"},
	}
	for _, tc := range cases {
		var out, errb bytes.Buffer
		called := false
		newDB := func(context.Context, string) (ledger.DynamoDB, error) { called = true; return nil, nil }
		code := run(context.Background(), tc.args, &out, &errb, func(string) string { return "" }, time.Now, newDB)
		assert.Equal(t, 2, code, tc.args)
		assert.Contains(t, errb.String(), tc.want)
		assert.False(t, called, "no AWS call on bad flags")
	}
}
