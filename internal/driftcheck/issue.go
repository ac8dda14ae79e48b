package driftcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ecsflow/ecsflow/internal/cli"
)

// IssueLabel marks drift issues; the body's marker tells environments apart.
const IssueLabel = "ecsflow-drift"

func issueMarker(env string) string { return "<!-- ecsflow-drift-check environment=" + env + " -->" }

type ghIssue struct {
	Number int    `json:"number"`
	Body   string `json:"body"`
	State  string `json:"state"`
}

type github struct {
	base, repo, token string
	hc                *http.Client
}

func (g *github) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, g.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.hc.Do(req)
	if err != nil {
		return fmt.Errorf("GitHub %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		msg := string(data)
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		hint := ""
		if resp.StatusCode == 403 || resp.StatusCode == 404 {
			hint = "; grant the job `permissions: issues: write`"
		}
		return fmt.Errorf("GitHub %s %s answered %d: %s%s", method, path, resp.StatusCode, strings.TrimSpace(msg), hint)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("GitHub %s %s: unexpected answer: %w", method, path, err)
		}
	}
	return nil
}

// syncIssue opens, updates or closes the environment's drift issue and
// returns its number and what was done.
func syncIssue(ctx context.Context, env *cli.Env, o Options, cfg *Config, rep *Report) (int, string, error) {
	g := &github{
		base:  strings.TrimRight(firstNonEmpty(o.GitHubAPI, env.Getenv("GITHUB_API_URL"), "https://api.github.com"), "/"),
		repo:  env.Getenv("GITHUB_REPOSITORY"),
		token: cfg.Token,
		hc:    o.HTTPClient,
	}
	if g.hc == nil {
		g.hc = http.DefaultClient
	}
	marker := issueMarker(cfg.Environment)
	var open []ghIssue
	if err := g.do(ctx, http.MethodGet, "/repos/"+g.repo+"/issues?state=open&labels="+IssueLabel+"&per_page=100", nil, &open); err != nil {
		return 0, "", fmt.Errorf("failed to look for the drift issue: %w", err)
	}
	existing := withMarker(open, marker)
	if existing == nil {
		// Labels are dropped silently when the token may not set them: look
		// at the open issues without the label filter too, so a run never
		// opens a second issue for the same environment.
		var all []ghIssue
		if err := g.do(ctx, http.MethodGet, "/repos/"+g.repo+"/issues?state=open&per_page=100", nil, &all); err != nil {
			return 0, "", fmt.Errorf("failed to look for the drift issue: %w", err)
		}
		existing = withMarker(all, marker)
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
		var created ghIssue
		err := g.do(ctx, http.MethodPost, "/repos/"+g.repo+"/issues", map[string]any{"title": title, "body": body, "labels": []string{IssueLabel}}, &created)
		if err != nil {
			return 0, "", fmt.Errorf("failed to open the drift issue: %w", err)
		}
		return created.Number, "opened", nil
	case rep.Drifted:
		if err := g.do(ctx, http.MethodPatch, fmt.Sprintf("/repos/%s/issues/%d", g.repo, existing.Number), map[string]any{"title": title, "body": body}, nil); err != nil {
			return 0, "", fmt.Errorf("failed to update drift issue #%d: %w", existing.Number, err)
		}
		return existing.Number, "updated", nil
	case existing != nil:
		msg := "Drift is gone: " + cfg.Environment + " matches the state again (" + rep.CheckedAt.Format("2006-01-02 15:04 MST") + ")."
		if err := g.do(ctx, http.MethodPost, fmt.Sprintf("/repos/%s/issues/%d/comments", g.repo, existing.Number), map[string]any{"body": msg}, nil); err != nil {
			return 0, "", fmt.Errorf("failed to comment on drift issue #%d: %w", existing.Number, err)
		}
		if err := g.do(ctx, http.MethodPatch, fmt.Sprintf("/repos/%s/issues/%d", g.repo, existing.Number), map[string]any{"state": "closed", "state_reason": "completed"}, nil); err != nil {
			return 0, "", fmt.Errorf("failed to close drift issue #%d: %w", existing.Number, err)
		}
		return existing.Number, "closed", nil
	}
	return 0, "", nil
}

func withMarker(list []ghIssue, marker string) *ghIssue {
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
