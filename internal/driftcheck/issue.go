package driftcheck

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/github"
)

// IssueLabel marks drift issues; the body's marker tells environments apart.
const IssueLabel = "ecsflow-drift"

func issueMarker(env string) string { return "<!-- ecsflow-drift-check environment=" + env + " -->" }

// syncIssue opens, updates or closes the environment's drift issue and
// returns its number and what was done.
func syncIssue(ctx context.Context, env *cli.Env, o Options, cfg *Config, rep *Report) (int, string, error) {
	repo := env.Getenv("GITHUB_REPOSITORY")
	gh := github.New(cfg.Token, github.WithBaseURL(firstNonEmpty(o.GitHubAPI, env.Getenv("GITHUB_API_URL"))),
		github.WithHTTPClient(o.HTTPClient), github.WithPermission("issues: write"))
	marker := issueMarker(cfg.Environment)
	existing, err := findIssue(ctx, gh, repo, marker)
	if err != nil {
		return 0, "", err
	}
	title := "Drift detected in " + cfg.Environment
	body := marker + "\n" + rep.Markdown()
	if run := runURL(env.Getenv); run != "" {
		body += "\n[Workflow run](" + run + ")\n"
	}
	if len(body) > 60000 { // GitHub caps issue bodies at 65536 characters
		body = body[:60000] + "\n\n… (truncated; see the JSON report of the run)\n"
	}
	switch {
	case rep.Drifted && existing == nil:
		created, err := gh.CreateIssue(ctx, repo, title, body, []string{IssueLabel})
		if err != nil {
			return 0, "", fmt.Errorf("failed to open the drift issue: %w", err)
		}
		return created.Number, "opened", nil
	case rep.Drifted:
		if err := gh.UpdateIssue(ctx, repo, existing.Number, map[string]any{"title": title, "body": body}); err != nil {
			return 0, "", fmt.Errorf("failed to update drift issue #%d: %w", existing.Number, err)
		}
		return existing.Number, "updated", nil
	case existing != nil:
		msg := "Drift is gone: " + cfg.Environment + " matches the state again (" + rep.CheckedAt.Format("2006-01-02 15:04 MST") + ")."
		if err := gh.CreateComment(ctx, repo, existing.Number, msg); err != nil {
			return 0, "", fmt.Errorf("failed to comment on drift issue #%d: %w", existing.Number, err)
		}
		if err := gh.UpdateIssue(ctx, repo, existing.Number, map[string]any{"state": "closed", "state_reason": "completed"}); err != nil {
			return 0, "", fmt.Errorf("failed to close drift issue #%d: %w", existing.Number, err)
		}
		return existing.Number, "closed", nil
	}
	return 0, "", nil
}

// findIssue returns the open issue whose body carries marker, or nil.
func findIssue(ctx context.Context, gh *github.Client, repo, marker string) (*github.Issue, error) {
	open, err := gh.ListIssues(ctx, repo, url.Values{"state": {"open"}, "labels": {IssueLabel}, "per_page": {"100"}})
	if err != nil {
		return nil, fmt.Errorf("failed to look for the drift issue: %w", err)
	}
	if existing := withMarker(open, marker); existing != nil {
		return existing, nil
	}
	// Labels are dropped silently when the token may not set them: look at
	// the open issues without the label filter too, so a run never opens a
	// second issue for the same environment.
	all, err := gh.ListIssues(ctx, repo, url.Values{"state": {"open"}, "per_page": {"100"}})
	if err != nil {
		return nil, fmt.Errorf("failed to look for the drift issue: %w", err)
	}
	return withMarker(all, marker), nil
}

func withMarker(list []github.Issue, marker string) *github.Issue {
	for i := range list {
		if strings.Contains(list[i].Body, marker) {
			return &list[i]
		}
	}
	return nil
}

func runURL(getenv func(string) string) string {
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return server + "/" + repo + "/actions/runs/" + id
}
