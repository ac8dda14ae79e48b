package github_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/github"
	"github.com/ecsflow/ecsflow/internal/testenv/ghstub"
)

// TestSyncKeepsOneIssuePerMarker opens, updates and closes one tracked
// issue on the stand-in, and cuts a body GitHub would refuse.
func TestSyncKeepsOneIssuePerMarker(t *testing.T) {
	t.Parallel()
	gh := ghstub.New(t)
	c := github.New(gh.Token, github.WithBaseURL(gh.URL))
	ctx := context.Background()
	tr := github.Tracked{Repo: "o/r", Label: "l", Marker: "<!-- m -->", Name: "test issue"}

	n, action, err := c.Sync(ctx, tr, true, "first", strings.Repeat("x", 70000), "")
	require.NoError(t, err)
	require.Equal(t, "opened", action)
	n2, action, err := c.Sync(ctx, tr, true, "second", "body", "")
	require.NoError(t, err)
	require.Equal(t, []any{n, "updated"}, []any{n2, action})
	_, action, err = c.Sync(ctx, tr, false, "", "", "gone")
	require.NoError(t, err)
	require.Equal(t, "closed", action)

	is := gh.Issues()
	require.Len(t, is, 1)
	require.Equal(t, "second", is[0].Title)
	require.Equal(t, "<!-- m -->\nbody", is[0].Body)
	require.Equal(t, "closed", is[0].State)
	require.Equal(t, "gone", is[0].Comments[0].Body)

	_, _, err = c.Sync(ctx, tr, true, "long", strings.Repeat("x", 70000), "")
	require.NoError(t, err)
	long := gh.Issues()[1]
	require.Less(t, len(long.Body), 65536, "GitHub caps issue bodies at 65536 characters")
	require.Contains(t, long.Body, "truncated")
}
