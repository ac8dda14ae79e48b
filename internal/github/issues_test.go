package github_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/github"
	"github.com/ecsflow/ecsflow/internal/testenv/ghstub"
)

func TestIssueLifecycleOnTheStandIn(t *testing.T) {
	t.Parallel()
	gh := ghstub.New(t)
	c := github.New(gh.Token, github.WithBaseURL(gh.URL), github.WithPermission("issues: write"))
	ctx := context.Background()

	created, err := c.CreateIssue(ctx, "o/r", "Drift detected in prod", "<!-- m -->\nbody", []string{"ecsflow-drift"})
	require.NoError(t, err)
	require.Equal(t, 1, created.Number)
	require.Equal(t, "open", created.State)

	open, err := c.ListIssues(ctx, "o/r", url.Values{"state": {"open"}, "labels": {"ecsflow-drift"}, "per_page": {"100"}})
	require.NoError(t, err)
	require.Len(t, open, 1)
	require.Equal(t, "Drift detected in prod", open[0].Title)

	none, err := c.ListIssues(ctx, "o/r", url.Values{"state": {"open"}, "labels": {"other"}})
	require.NoError(t, err)
	require.Empty(t, none)

	require.NoError(t, c.CreateComment(ctx, "o/r", created.Number, "first"))
	comments, err := c.ListComments(ctx, "o/r", created.Number, 1)
	require.NoError(t, err)
	require.Len(t, comments, 1)
	require.NoError(t, c.UpdateComment(ctx, "o/r", comments[0].ID, "edited"))
	require.NoError(t, c.UpdateIssue(ctx, "o/r", created.Number, map[string]any{"state": "closed", "state_reason": "completed"}))

	issues := gh.Issues()
	require.Len(t, issues, 1)
	require.Equal(t, "closed", issues[0].State)
	require.Equal(t, "completed", issues[0].StateReason)
	require.Equal(t, "edited", issues[0].Comments[0].Body)
}

func TestWrongTokenIsRefusedWithAHint(t *testing.T) {
	t.Parallel()
	gh := ghstub.New(t)
	c := github.New("not-the-token", github.WithBaseURL(gh.URL))
	_, err := c.CreateIssue(context.Background(), "o/r", "t", "b", nil)
	require.EqualError(t, err, "GitHub POST /repos/o/r/issues answered 401: Bad credentials; the token is missing, expired or wrong — pass github-token (secrets.GITHUB_TOKEN)")
}

func TestCommentOnAMissingIssueSaysWhatToGrant(t *testing.T) {
	t.Parallel()
	gh := ghstub.New(t)
	c := github.New(gh.Token, github.WithBaseURL(gh.URL), github.WithPermission("pull-requests: write"))
	err := c.CreateComment(context.Background(), "o/r", 7, "hello")
	var gerr *github.Error
	require.ErrorAs(t, err, &gerr)
	require.Equal(t, 404, gerr.Status)
	require.Contains(t, err.Error(), "add `permissions: pull-requests: write` to the job")
}
