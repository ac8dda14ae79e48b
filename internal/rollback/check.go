package rollback

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/github"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/summary"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// check is mode: check. It heals only what needs healing and escalates what
// it cannot heal.
func (deps *Deps) check(ctx context.Context, env *cli.Env, p *Config, eng *deploy.Engine, r *Roller, led *ledger.Ledger, svcs map[string]*types.Service, start time.Time) error {
	h, err := inspectServices(ctx, env, p, eng, r, led, svcs)
	if err != nil {
		return err
	}
	results, timeline, err := deps.heal(ctx, env, eng, p, led, h)
	if err != nil {
		return err
	}
	healed := map[string]*deploy.ServiceResult{}
	for _, s := range results {
		healed[s.Service] = s
	}
	unhealed := deps.reportCheck(ctx, env, p, h.findings, healed, timeline)
	checkOutputs(env, p, eng, h.current, healed, start)
	if len(unhealed) > 0 {
		return exitcode.Negativef("check found services it cannot heal: %s; see the job summary", strings.Join(unhealed, ", "))
	}
	return nil
}

// healPlan is what check found and what it means to do about it.
type healPlan struct {
	findings []Finding
	// current is the revision each service runs; why, the reason its
	// target was chosen when the anomaly check chose it.
	current, why map[string]string
	rollbacks    []plannedTarget
	redeploys    []deploy.Target
}

// inspectServices checks each service (its deployment, alarms and, with
// anomaly on, its metrics) and plans what heals it.
func inspectServices(ctx context.Context, env *cli.Env, p *Config, eng *deploy.Engine, r *Roller, led *ledger.Ledger, svcs map[string]*types.Service) (*healPlan, error) {
	c := env.Console
	h := &healPlan{current: map[string]string{}, why: map[string]string{}}
	sds, err := currentDeployments(ctx, eng, svcs)
	if err != nil {
		return nil, err
	}
	for _, name := range p.services {
		s := svcs[name]
		h.current[name] = aws.ToString(s.TaskDefinition)
		firing, err := firingAlarms(ctx, eng, p, s)
		if err != nil {
			return nil, err
		}
		f := r.Check(*s, sds[aws.ToString(s.CurrentServiceDeployment)], p.check, firing)
		to := p.target(name)
		if p.check.Anomaly && eng.CloudWatch != nil {
			d, err := judgeAnomaly(ctx, eng, led, p, *s)
			if err != nil {
				return nil, err
			}
			to, h.why[name] = applyAnomaly(&f, d, led, to)
		}
		h.plan(ctx, env, r, p, name, &f, to)
		h.findings = append(h.findings, f)
		if len(f.Problems) == 0 && len(f.Notes) > 0 {
			c.Infof("[%s] deployment in progress: %s", name, strings.Join(f.Notes, "; "))
		} else if len(f.Problems) == 0 {
			c.Infof("[%s] healthy", name)
		} else {
			c.Infof("[%s] %s -> %s", name, strings.Join(f.Problems, "; "), f.Action)
		}
	}
	return h, nil
}

// firingAlarms are the alarms in ALARM among check-alarms and the
// service's own deployment alarms.
func firingAlarms(ctx context.Context, eng *deploy.Engine, p *Config, s *types.Service) ([]string, error) {
	alarms := append([]string(nil), p.check.Alarms...)
	if dc := s.DeploymentConfiguration; dc != nil && dc.Alarms != nil && dc.Alarms.Enable {
		alarms = append(alarms, dc.Alarms.AlarmNames...)
	}
	if alarms = SortedUnique(alarms); len(alarms) == 0 || eng.CloudWatch == nil {
		return nil, nil
	}
	return eng.FiringAlarms(ctx, alarms)
}

// plan adds the healing a finding calls for: a rollback to the revision
// the roller finds (escalated when there is none to return to) or a
// redeploy.
func (h *healPlan) plan(ctx context.Context, env *cli.Env, r *Roller, p *Config, name string, f *Finding, to string) {
	switch f.Action {
	case "rollback":
		t, err := r.Target(ctx, p.cluster, name, f.Current, to)
		for _, w := range t.Warnings {
			env.Console.Warningf("[%s] %s", name, w)
		}
		if err != nil || (t.Revision == f.Current && t.Stop == "") {
			f.Escalate = true
			why := "no other revision to return to"
			if err != nil {
				why = err.Error()
			}
			f.Problems = append(f.Problems, "cannot roll back: "+why)
			f.Action = "none"
			return
		}
		h.rollbacks = append(h.rollbacks, plannedTarget{Service: name, Current: f.Current, Target: t})
	case "redeploy":
		h.redeploys = append(h.redeploys, deploy.Target{Service: name, Source: deploy.Source{Revision: f.Current}})
	}
}

// heal runs the planned rollbacks, then the redeploys, recording each in
// the ledger; it returns the services' results and each run's timeline.
func (deps *Deps) heal(ctx context.Context, env *cli.Env, eng *deploy.Engine, p *Config, led *ledger.Ledger, h *healPlan) ([]*deploy.ServiceResult, []*deploy.Result, error) {
	var results []*deploy.ServiceResult
	var timeline []*deploy.Result
	if len(h.rollbacks) > 0 {
		res, err := deps.apply(ctx, eng, p, h.rollbacks, false)
		if err != nil {
			return nil, nil, err
		}
		results = append(results, res.Services...)
		timeline = append(timeline, res)
		deps.record(ctx, env, led, p, res, h.current, h.why)
	}
	if len(h.redeploys) > 0 {
		res, err := deps.deploy(ctx, eng, p, h.redeploys, true)
		if err != nil {
			return nil, nil, err
		}
		results = append(results, res.Services...)
		timeline = append(timeline, res)
		deps.record(ctx, env, led, p, res, h.current, h.why)
	}
	return results, timeline, nil
}

// reportCheck writes check's summary, escalating each service that could
// not be healed (one issue per service), and returns their names.
func (deps *Deps) reportCheck(ctx context.Context, env *cli.Env, p *Config, findings []Finding, healed map[string]*deploy.ServiceResult, timeline []*deploy.Result) []string {
	c := env.Console
	var unhealed []string
	var b summary.Builder
	b.Heading(2, "rollback check on "+p.cluster)
	var rows [][]string
	for i := range findings {
		f := &findings[i]
		outcome := "healthy"
		if hr := healed[f.Service]; hr != nil {
			outcome = map[string]string{"rollback": "rolled back to ", "redeploy": "redeployed "}[f.Action] + taskdef.FamilyRevision(hr.LeftOn) + ": " + string(hr.Status)
			if hr.Status != deploy.Succeeded {
				f.Escalate = true
				f.Problems = append(f.Problems, fmt.Sprintf("%s did not heal it: %s", f.Action, strings.Join(hr.Reasons, "; ")))
			}
		}
		if f.Escalate {
			outcome = "needs a person"
			unhealed = append(unhealed, f.Service)
			deps.escalate(ctx, env, p, f)
		} else if len(f.Problems) > 0 && healed[f.Service] == nil {
			outcome = "unhealthy, no action"
		} else if len(f.Notes) > 0 && healed[f.Service] == nil {
			outcome = "deployment in progress"
		}
		rows = append(rows, []string{f.Service, taskdef.FamilyRevision(f.Current), strings.Join(append(append([]string(nil), f.Problems...), f.Notes...), "; "), outcome})
	}
	b.Table([]string{"Service", "Revision", "Problems", "Outcome"}, rows)
	c.AddSummary(b.String())
	for _, res := range timeline {
		c.AddSummary(res.Markdown("healing deployment"))
	}
	return unhealed
}

// checkOutputs sets check's outputs: the revision each service is left on
// and whether any was rolled back.
func checkOutputs(env *cli.Env, p *Config, eng *deploy.Engine, current map[string]string, healed map[string]*deploy.ServiceResult, start time.Time) {
	final := map[string]string{}
	rolled := false
	for _, name := range p.services {
		final[name] = current[name]
		if hr := healed[name]; hr != nil {
			final[name] = hr.LeftOn
			rolled = rolled || hr.Status == deploy.Succeeded
		}
	}
	fake := &deploy.Result{}
	for _, name := range p.services {
		fake.Services = append(fake.Services, &deploy.ServiceResult{Service: name, LeftOn: final[name]})
	}
	setOutputs(env.Console.SetOutput, fake, rolled, len(p.services) > 1, start, eng.Clock.Now())
}

// escalate opens or updates the GitHub issue of a service that cannot be
// healed; without a token it only warns.
func (deps *Deps) escalate(ctx context.Context, env *cli.Env, p *Config, f *Finding) {
	c := env.Console
	title := fmt.Sprintf("ecsflow: %s/%s needs attention", p.cluster, f.Service)
	body := fmt.Sprintf("ecsflow rollback check found `%s` in cluster `%s` unhealthy and could not heal it.\n\n- %s\n\nRevision: `%s`\n",
		f.Service, p.cluster, strings.Join(f.Problems, "\n- "), f.Current)
	if u := github.RunURL(env.Getenv); u != "" {
		body += "\nRun: " + u + "\n"
	}
	if p.token == "" {
		c.Warningf("%s: %s (pass github-token to open an issue)", title, strings.Join(f.Problems, "; "))
		return
	}
	hc := deps.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	g := &Issuer{BaseURL: env.Getenv("GITHUB_API_URL"), Token: p.token, Repo: p.repo, HTTP: hc}
	u, created, err := g.Escalate(ctx, title, body)
	if err != nil {
		c.Warningf("failed to open the GitHub issue for %s: %v", f.Service, err)
		return
	}
	verb := "updated"
	if created {
		verb = "opened"
	}
	c.Noticef("%s issue %s for %s", verb, u, f.Service)
}

// currentDeployments describes each service's current service deployment,
// by ARN, 20 at a time. One that a read does not show yet is absent.
func currentDeployments(ctx context.Context, eng *deploy.Engine, svcs map[string]*types.Service) (map[string]*types.ServiceDeployment, error) {
	var arns []string
	for _, s := range svcs {
		if a := aws.ToString(s.CurrentServiceDeployment); a != "" {
			arns = append(arns, a)
		}
	}
	arns = SortedUnique(arns)
	out := map[string]*types.ServiceDeployment{}
	for len(arns) > 0 {
		batch := arns[:min(20, len(arns))]
		arns = arns[len(batch):]
		res, err := eng.ECS.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: batch})
		if err != nil {
			return nil, fmt.Errorf("failed to describe the current deployments (check mode needs ecs:DescribeServiceDeployments): %w", err)
		}
		for i := range res.ServiceDeployments {
			sd := res.ServiceDeployments[i]
			out[aws.ToString(sd.ServiceDeploymentArn)] = &sd
		}
	}
	return out, nil
}
