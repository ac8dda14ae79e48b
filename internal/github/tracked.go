package github

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Tracked is an issue ecsflow keeps one of per subject (an environment's
// drift, an environment's cost report): a hidden marker in its body finds
// it again, so each run updates it instead of opening another.
type Tracked struct {
	// Repo is owner/name; Label marks the kind of issue, Marker (an HTML
	// comment) the subject; Name says what it is in errors ("drift issue").
	Repo, Label, Marker, Name string
}

// maxIssueBody keeps a body below GitHub's cap of 65536 characters.
const maxIssueBody = 60000

// Sync keeps the tracked issue in step with a run. With open, it opens the
// issue with title and body, or updates the one it finds; without, it
// comments closing on the open issue it finds and closes it (completed).
// It returns the issue's number and what was done: "opened", "updated",
// "closed", or "" (nothing to do: no open issue and nothing to report).
func (c *Client) Sync(ctx context.Context, t Tracked, open bool, title, body, closing string) (int, string, error) {
	existing, err := c.findMarked(ctx, t)
	if err != nil {
		return 0, "", err
	}
	body = t.Marker + "\n" + body
	if len(body) > maxIssueBody {
		body = body[:maxIssueBody] + "\n\n… (truncated; see the JSON report of the run)\n"
	}
	switch {
	case open && existing == nil:
		created, err := c.CreateIssue(ctx, t.Repo, title, body, []string{t.Label})
		if err != nil {
			return 0, "", fmt.Errorf("failed to open the %s: %w", t.Name, err)
		}
		return created.Number, "opened", nil
	case open:
		if err := c.UpdateIssue(ctx, t.Repo, existing.Number, map[string]any{"title": title, "body": body}); err != nil {
			return 0, "", fmt.Errorf("failed to update %s #%d: %w", t.Name, existing.Number, err)
		}
		return existing.Number, "updated", nil
	case existing != nil:
		if err := c.CreateComment(ctx, t.Repo, existing.Number, closing); err != nil {
			return 0, "", fmt.Errorf("failed to comment on %s #%d: %w", t.Name, existing.Number, err)
		}
		if err := c.UpdateIssue(ctx, t.Repo, existing.Number, map[string]any{"state": "closed", "state_reason": "completed"}); err != nil {
			return 0, "", fmt.Errorf("failed to close %s #%d: %w", t.Name, existing.Number, err)
		}
		return existing.Number, "closed", nil
	}
	return 0, "", nil
}

// findMarked returns the open issue whose body carries the marker, or nil.
func (c *Client) findMarked(ctx context.Context, t Tracked) (*Issue, error) {
	open, err := c.ListIssues(ctx, t.Repo, url.Values{"state": {"open"}, "labels": {t.Label}, "per_page": {"100"}})
	if err != nil {
		return nil, fmt.Errorf("failed to look for the %s: %w", t.Name, err)
	}
	if existing := withMarker(open, t.Marker); existing != nil {
		return existing, nil
	}
	// Labels are dropped silently when the token may not set them: look at
	// the open issues without the label filter too, so a run never opens a
	// second issue for the same subject.
	all, err := c.ListIssues(ctx, t.Repo, url.Values{"state": {"open"}, "per_page": {"100"}})
	if err != nil {
		return nil, fmt.Errorf("failed to look for the %s: %w", t.Name, err)
	}
	return withMarker(all, t.Marker), nil
}

func withMarker(list []Issue, marker string) *Issue {
	for i := range list {
		if strings.Contains(list[i].Body, marker) {
			return &list[i]
		}
	}
	return nil
}
