package validate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/github"
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
	gh := github.New(token, github.WithBaseURL(api), github.WithHTTPClient(opts.HTTPClient), github.WithPermission("pull-requests: write"))
	// One comment per set of roots, so two validate steps in a workflow
	// keep a comment each.
	marker := commentMarker(roots)
	body := marker + "\n" + markdown
	if len(body) > maxCommentBytes {
		body = body[:maxCommentBytes] + "\n\n… (truncated; the job summary and SARIF have everything)"
	}
	existing, err := findComment(ctx, gh, repo, pr, marker)
	if err != nil {
		return err
	}
	if existing != 0 {
		if err := gh.UpdateComment(ctx, repo, existing, body); err != nil {
			return fmt.Errorf("failed to update comment %d: %w", existing, err)
		}
		env.Console.Infof("comment: updated the validate comment on pull request #%d", pr)
		return nil
	}
	if err := gh.CreateComment(ctx, repo, pr, body); err != nil {
		return fmt.Errorf("failed to comment on pull request #%d: %w", pr, err)
	}
	env.Console.Infof("comment: posted the validate comment on pull request #%d", pr)
	return nil
}

// findComment returns the ID of the comment on pull request pr that starts
// with marker, or 0; it reads at most 30 pages of 100 comments.
func findComment(ctx context.Context, gh *github.Client, repo string, pr int, marker string) (int64, error) {
	for page := 1; page <= 30; page++ {
		comments, err := gh.ListComments(ctx, repo, pr, page)
		if err != nil {
			return 0, fmt.Errorf("failed to list comments of pull request #%d: %w", pr, err)
		}
		for _, c := range comments {
			if strings.HasPrefix(c.Body, marker+"\n") {
				return c.ID, nil
			}
		}
		if len(comments) < 100 {
			break
		}
	}
	return 0, nil
}

func commentMarker(roots []string) string {
	key := strings.Join(roots, ",")
	key = strings.NewReplacer("--", "-", ">", "", "\n", " ").Replace(key)
	return strings.TrimSuffix(CommentMarker, " -->") + ": " + key + " -->"
}
