package driftcheck

import (
	"context"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/github"
)

// IssueLabel marks drift issues; the body's marker tells environments apart.
const IssueLabel = "ecsflow-drift"

func issueMarker(env string) string { return "<!-- ecsflow-drift-check environment=" + env + " -->" }

// syncIssue opens, updates or closes the environment's drift issue and
// returns its number and what was done.
func syncIssue(ctx context.Context, env *cli.Env, o Deps, cfg *Config, rep *Report) (int, string, error) {
	gh := github.New(cfg.Token, github.WithBaseURL(firstNonEmpty(o.GitHubAPI, env.Getenv("GITHUB_API_URL"))),
		github.WithHTTPClient(o.HTTPClient), github.WithPermission("issues: write"))
	t := github.Tracked{Repo: env.Getenv("GITHUB_REPOSITORY"), Label: IssueLabel, Marker: issueMarker(cfg.Environment), Name: "drift issue"}
	body := rep.Markdown()
	if run := github.RunURL(env.Getenv); run != "" {
		body += "\n[Workflow run](" + run + ")\n"
	}
	closing := "Drift is gone: " + cfg.Environment + " matches the state again (" + rep.CheckedAt.Format("2006-01-02 15:04 MST") + ")."
	return gh.Sync(ctx, t, rep.Drifted, "Drift detected in "+cfg.Environment, body, closing)
}
