package rollback

import (
	"context"
	"net/http"
	"net/url"

	"github.com/ecsflow/ecsflow/internal/github"
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

// Escalate comments on the open issue with this title (labelled
// IssueLabel) or opens it. It returns the issue's URL and whether it is new.
func (g *Issuer) Escalate(ctx context.Context, title, body string) (string, bool, error) {
	gh := github.New(g.Token, github.WithBaseURL(g.BaseURL), github.WithHTTPClient(g.HTTP), github.WithPermission("issues: write"))
	open, err := gh.ListIssues(ctx, g.Repo, url.Values{"state": {"open"}, "labels": {IssueLabel}, "per_page": {"100"}})
	if err != nil {
		return "", false, err
	}
	for _, is := range open {
		if is.Title == title {
			if err := gh.CreateComment(ctx, g.Repo, is.Number, body); err != nil {
				return "", false, err
			}
			return is.HTMLURL, false, nil
		}
	}
	created, err := gh.CreateIssue(ctx, g.Repo, title, body, []string{IssueLabel})
	if err != nil {
		return "", false, err
	}
	return created.HTMLURL, true, nil
}
