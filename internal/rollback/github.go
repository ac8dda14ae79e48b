package rollback

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// IssueLabel marks the issues check mode opens, so it finds and updates its
// own issue instead of opening a new one each run.
const IssueLabel = "ecsflow-heal"

// Issuer opens or updates one GitHub issue per problem through the REST API.
type Issuer struct {
	// BaseURL is the API root (GITHUB_API_URL; https://api.github.com).
	BaseURL string
	Token   string
	// Repo is owner/name.
	Repo string
	HTTP interface {
		Do(*http.Request) (*http.Response, error)
	}
}

type ghIssue struct {
	Number  int    `json:"number"`
	Title   string `json:"title"`
	HTMLURL string `json:"html_url"`
}

// Escalate comments on the open issue with this title (labelled
// IssueLabel) or opens it. It returns the issue's URL and whether it is new.
func (g *Issuer) Escalate(ctx context.Context, title, body string) (string, bool, error) {
	q := url.Values{"state": {"open"}, "labels": {IssueLabel}, "per_page": {"100"}}
	var open []ghIssue
	if err := g.call(ctx, http.MethodGet, "/repos/"+g.Repo+"/issues?"+q.Encode(), nil, &open); err != nil {
		return "", false, err
	}
	for _, is := range open {
		if is.Title == title {
			if err := g.call(ctx, http.MethodPost, fmt.Sprintf("/repos/%s/issues/%d/comments", g.Repo, is.Number), map[string]any{"body": body}, nil); err != nil {
				return "", false, err
			}
			return is.HTMLURL, false, nil
		}
	}
	var created ghIssue
	if err := g.call(ctx, http.MethodPost, "/repos/"+g.Repo+"/issues", map[string]any{"title": title, "body": body, "labels": []string{IssueLabel}}, &created); err != nil {
		return "", false, err
	}
	return created.HTMLURL, true, nil
}

func (g *Issuer) call(ctx context.Context, method, path string, in, out any) error {
	base := strings.TrimSuffix(g.BaseURL, "/")
	if base == "" {
		base = "https://api.github.com"
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return fmt.Errorf("failed to build GitHub request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+g.Token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("GitHub %s %s failed: %w", method, strings.SplitN(path, "?", 2)[0], err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		msg := string(data)
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		hint := ""
		if resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode == 404 {
			hint = "; give the job `permissions: issues: write` and pass github-token"
		}
		return fmt.Errorf("GitHub %s %s answered %d: %s%s", method, strings.SplitN(path, "?", 2)[0], resp.StatusCode, strings.TrimSpace(msg), hint)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("GitHub %s %s: unexpected answer: %w", method, path, err)
		}
	}
	return nil
}
