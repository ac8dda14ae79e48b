package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Issue is the part of a GitHub issue ecsflow reads.
type Issue struct {
	Number  int    `json:"number"`
	Title   string `json:"title"`
	Body    string `json:"body"`
	State   string `json:"state"`
	HTMLURL string `json:"html_url"`
}

// Comment is the part of an issue or pull request comment ecsflow reads.
type Comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

// ListIssues lists the issues of repo (owner/name) matching query (state,
// labels, per_page, page).
func (c *Client) ListIssues(ctx context.Context, repo string, query url.Values) ([]Issue, error) {
	var out []Issue
	err := c.Do(ctx, http.MethodGet, "/repos/"+repo+"/issues?"+query.Encode(), nil, &out)
	return out, err
}

// CreateIssue opens an issue in repo and returns it.
func (c *Client) CreateIssue(ctx context.Context, repo, title, body string, labels []string) (Issue, error) {
	var out Issue
	in := map[string]any{"title": title, "body": body, "labels": labels}
	err := c.Do(ctx, http.MethodPost, "/repos/"+repo+"/issues", in, &out)
	return out, err
}

// UpdateIssue changes the fields given (title, body, state, state_reason)
// of issue number in repo.
func (c *Client) UpdateIssue(ctx context.Context, repo string, number int, fields map[string]any) error {
	return c.Do(ctx, http.MethodPatch, fmt.Sprintf("/repos/%s/issues/%d", repo, number), fields, nil)
}

// ListComments returns one page (100 comments) of the comments of issue or
// pull request number in repo; pages count from 1.
func (c *Client) ListComments(ctx context.Context, repo string, number, page int) ([]Comment, error) {
	var out []Comment
	err := c.Do(ctx, http.MethodGet, fmt.Sprintf("/repos/%s/issues/%d/comments?per_page=100&page=%d", repo, number, page), nil, &out)
	return out, err
}

// CreateComment comments on issue or pull request number in repo.
func (c *Client) CreateComment(ctx context.Context, repo string, number int, body string) error {
	return c.Do(ctx, http.MethodPost, fmt.Sprintf("/repos/%s/issues/%d/comments", repo, number), map[string]any{"body": body}, nil)
}

// UpdateComment replaces the body of comment id in repo.
func (c *Client) UpdateComment(ctx context.Context, repo string, id int64, body string) error {
	return c.Do(ctx, http.MethodPatch, fmt.Sprintf("/repos/%s/issues/comments/%d", repo, id), map[string]any{"body": body}, nil)
}
