package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ecsflow/ecsflow/internal/cli"
)

// maxCommentBytes stays under GitHub's 65536-character comment limit.
const maxCommentBytes = 60000

// PullRequestNumber finds the pull request of the run from the event file
// (pull_request, pull_request_target, issue_comment on a PR) or the ref
// (refs/pull/N/merge).
func PullRequestNumber(getenv func(string) string) (int, bool) {
	if p := getenv("GITHUB_EVENT_PATH"); p != "" {
		if data, err := os.ReadFile(p); err == nil {
			var ev struct {
				Number      int `json:"number"`
				PullRequest *struct {
					Number int `json:"number"`
				} `json:"pull_request"`
				Issue *struct {
					Number      int             `json:"number"`
					PullRequest json.RawMessage `json:"pull_request"`
				} `json:"issue"`
			}
			if json.Unmarshal(data, &ev) == nil {
				switch {
				case ev.PullRequest != nil && ev.PullRequest.Number > 0:
					return ev.PullRequest.Number, true
				case ev.Issue != nil && len(ev.Issue.PullRequest) > 0 && ev.Issue.Number > 0:
					return ev.Issue.Number, true
				}
			}
		}
	}
	if m := pullRef.FindStringSubmatch(getenv("GITHUB_REF")); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, n > 0
	}
	return 0, false
}

var pullRef = regexp.MustCompile(`^refs/pull/(\d+)/`)

type ghComment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

// upsertComment creates validate's comment on the pull request or updates
// the one it created before (found by CommentMarker).
func upsertComment(ctx context.Context, env *cli.Env, opts Options, token, markdown string, roots []string) error {
	repo := env.Getenv("GITHUB_REPOSITORY")
	pr, ok := PullRequestNumber(env.Getenv)
	if repo == "" || !ok {
		env.Console.Infof("comment: not a pull request run, no comment posted")
		return nil
	}
	api := opts.APIURL
	if api == "" {
		api = env.Getenv("GITHUB_API_URL")
	}
	if api == "" {
		api = "https://api.github.com"
	}
	api = strings.TrimRight(api, "/")
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	// One comment per set of roots, so two validate steps in a workflow
	// keep a comment each.
	marker := commentMarker(roots)
	body := marker + "\n" + markdown
	if len(body) > maxCommentBytes {
		body = body[:maxCommentBytes] + "\n\n… (truncated; the job summary and SARIF have everything)"
	}
	gh := &github{client: client, token: token}
	var existing int64
	for page := 1; page <= 30 && existing == 0; page++ {
		var comments []ghComment
		url := fmt.Sprintf("%s/repos/%s/issues/%d/comments?per_page=100&page=%d", api, repo, pr, page)
		if err := gh.do(ctx, http.MethodGet, url, nil, &comments); err != nil {
			return fmt.Errorf("failed to list comments of pull request #%d: %w", pr, err)
		}
		for _, c := range comments {
			if strings.HasPrefix(c.Body, marker+"\n") {
				existing = c.ID
				break
			}
		}
		if len(comments) < 100 {
			break
		}
	}
	payload := map[string]string{"body": body}
	if existing != 0 {
		if err := gh.do(ctx, http.MethodPatch, fmt.Sprintf("%s/repos/%s/issues/comments/%d", api, repo, existing), payload, nil); err != nil {
			return fmt.Errorf("failed to update comment %d: %w", existing, err)
		}
		env.Console.Infof("comment: updated the validate comment on pull request #%d", pr)
		return nil
	}
	if err := gh.do(ctx, http.MethodPost, fmt.Sprintf("%s/repos/%s/issues/%d/comments", api, repo, pr), payload, nil); err != nil {
		return fmt.Errorf("failed to comment on pull request #%d: %w", pr, err)
	}
	env.Console.Infof("comment: posted the validate comment on pull request #%d", pr)
	return nil
}

type github struct {
	client *http.Client
	token  string
}

func (g *github) do(ctx context.Context, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		hint := ""
		if resp.StatusCode == 403 || resp.StatusCode == 404 {
			hint = "; the token needs pull-requests: write (or issues: write) permission"
		}
		return fmt.Errorf("GitHub API %s returned %d: %s%s", method, resp.StatusCode, msg, hint)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return errors.New("GitHub API returned an unexpected body: " + err.Error())
		}
	}
	return nil
}

func commentMarker(roots []string) string {
	key := strings.Join(roots, ",")
	key = strings.NewReplacer("--", "-", ">", "", "\n", " ").Replace(key)
	return strings.TrimSuffix(CommentMarker, " -->") + ": " + key + " -->"
}
