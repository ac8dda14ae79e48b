package optimize

import (
	"context"
	"fmt"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/github"
)

// IssueLabel marks cost report issues; the body's marker tells
// environments apart.
const IssueLabel = "ecsflow-cost"

func issueMarker(env string) string { return "<!-- ecsflow-optimize environment=" + env + " -->" }

// syncIssue keeps one issue per environment: it opens it when there is
// something to save, updates it on later runs, and closes it with a
// comment once a run finds nothing to save. It returns the issue's number
// and what was done.
func syncIssue(ctx context.Context, env *cli.Env, deps Deps, cfg *Config, rep cost.Report) (int, string, error) {
	api := deps.GitHubAPI
	if api == "" {
		api = env.Getenv("GITHUB_API_URL")
	}
	gh := github.New(cfg.Token, github.WithBaseURL(api), github.WithHTTPClient(deps.HTTPClient), github.WithPermission("issues: write"))
	t := github.Tracked{Repo: env.Getenv("GITHUB_REPOSITORY"), Label: IssueLabel, Marker: issueMarker(cfg.Environment), Name: "cost issue"}
	body := rep.Markdown()
	if run := github.RunURL(env.Getenv); run != "" {
		body += "\n[Workflow run](" + run + ")\n"
	}
	title := fmt.Sprintf("Cost report for %s: save $%.2f a month (%.1f %%)", cfg.Environment, rep.Saving, rep.SavingPercent)
	closing := fmt.Sprintf("Nothing left to save in %s as of %s: every service is sized for its use.", cfg.Environment, env.Now().UTC().Format("2006-01-02 15:04 MST"))
	return gh.Sync(ctx, t, rep.Saving > 0, title, body, closing)
}
