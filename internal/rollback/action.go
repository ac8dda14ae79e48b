package rollback

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/clock"
	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/ecsinput"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/forecast"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// Clients are the AWS clients the rollback action uses.
type Clients struct {
	ECS        ECS
	CloudWatch deploy.CloudWatch
	ELB        deploy.ELB
	DynamoDB   ledger.DynamoDB
	// Forecast reads predictive scaling forecasts; nil reads none.
	Forecast forecast.API
}

// Deps are what Run takes from outside; the zero value is the real AWS
// clients, the wall clock and an HTTP client with a timeout, and tests
// replace parts.
type Deps struct {
	Clients func(ctx context.Context, env *cli.Env) (Clients, error)
	Clock   clock.Clock
	// HTTP carries GitHub API calls (default a client with a timeout).
	HTTP interface {
		Do(*http.Request) (*http.Response, error)
	}
}

// Run is the rollback action: ParseConfig reads the inputs without any AWS
// call, then it rolls back (or checks) each service, sets the outputs and
// writes the summary.
func Run(ctx context.Context, env *cli.Env, deps Deps) error { return deps.run(ctx, env) }

func realClients(ctx context.Context, env *cli.Env) (Clients, error) {
	cfg, err := awsconfig.Load(ctx, awsconfig.FromInputs(env.Inputs, env.Getenv, env.Console))
	if err != nil {
		return Clients{}, err
	}
	return Clients{
		ECS:        ecs.NewFromConfig(cfg),
		CloudWatch: cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(env.Getenv)...),
		ELB:        elbv2.NewFromConfig(cfg),
		DynamoDB:   dynamodb.NewFromConfig(cfg),
		Forecast:   applicationautoscaling.NewFromConfig(cfg),
	}, nil
}

// Config is the rollback inputs, read and checked without any AWS call.
type Config struct {
	cluster    string
	services   []string
	to, reason string
	// toFor holds per-service targets given as service=revision lines.
	toFor       map[string]string
	mode        string
	wait        bool
	timeout     time.Duration
	check       CheckOptions
	ledgerTable string
	lockTimeout time.Duration
	environment string
	token, repo string
	guard       forecast.Guard
}

var (
	repoRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
)

// ParseConfig reads and checks every input of rollback without any AWS
// call. Errors are *inputs.Error naming the input.
func ParseConfig(in *inputs.Inputs, getenv func(string) string) (*Config, error) {
	p := &Config{}
	var err error
	if p.cluster, err = ecsinput.Cluster(in); err != nil {
		return nil, err
	}
	if p.services, err = ecsinput.Services(in); err != nil {
		return nil, err
	}
	if err := parseTo(p, in.Lines("to")); err != nil {
		return nil, err
	}
	p.reason = in.String("reason")
	if p.mode, err = in.Enum("mode", "rollback", "check", "known-good"); err != nil {
		return nil, err
	}
	if p.wait, err = in.Bool("wait"); err != nil {
		return nil, err
	}
	if p.timeout, err = in.Duration("timeout", time.Minute, 6*time.Hour); err != nil {
		return nil, err
	}
	if p.check.BelowDesiredFor, err = in.Duration("below-desired-for", 0, 24*time.Hour); err != nil {
		return nil, err
	}
	if p.check.StuckAfter, err = in.Duration("stuck-after", time.Minute, 24*time.Hour); err != nil {
		return nil, err
	}
	if p.check.RecentDeploy, err = in.Duration("recent-deploy", 0, 30*24*time.Hour); err != nil {
		return nil, err
	}
	p.check.Alarms = in.List("alarms")
	if p.check.Anomaly, err = in.Bool("anomaly"); err != nil {
		return nil, err
	}
	if p.check.Sensitivity, err = parseSensitivity(in); err != nil {
		return nil, err
	}
	p.ledgerTable = in.String("ledger-table")
	if p.ledgerTable != "" && !ledger.ValidTableName(p.ledgerTable) {
		return nil, inputs.Errorf("ledger-table", p.ledgerTable, ledger.TableNameRule)
	}
	if p.lockTimeout, err = in.Duration("lock-timeout", 0, 6*time.Hour); err != nil {
		return nil, err
	}
	if (p.to == "last-known-good" || containsValue(p.toFor, "last-known-good")) && p.ledgerTable == "" {
		return nil, inputs.Errorf("to", p.to, "needs ledger-table: the ledger records which deployments succeeded")
	}
	if p.mode == "known-good" && p.ledgerTable == "" {
		return nil, inputs.Errorf("ledger-table", "", "is needed with mode known-good: the ledger records which deployments succeeded")
	}
	g, err := in.Enum("forecast-guard", forecast.GuardNames...)
	if err != nil {
		return nil, err
	}
	p.guard = forecast.Guard(g)
	p.environment = in.String("environment")
	p.token = in.String("github-token")
	p.repo = in.String("github-repository")
	if p.repo != "" && !repoRe.MatchString(p.repo) {
		return nil, inputs.Errorf("github-repository", p.repo, "is not owner/name")
	}
	if p.mode == "check" && p.token != "" && p.repo == "" {
		// Only the escalation issue needs a repository; the runner's
		// GITHUB_REPOSITORY is the default, checked only when it is used.
		p.repo = getenv("GITHUB_REPOSITORY")
		if p.repo == "" {
			return nil, inputs.Errorf("github-repository", "", "is needed with github-token outside a workflow run")
		}
		if !repoRe.MatchString(p.repo) {
			return nil, inputs.Errorf("github-repository", p.repo, "is empty and GITHUB_REPOSITORY is not owner/name; set github-repository")
		}
	}
	return p, nil
}

func (deps *Deps) run(ctx context.Context, env *cli.Env) error {
	p, err := ParseConfig(env.Inputs, env.Getenv)
	if err != nil {
		return err
	}
	if p.token != "" {
		env.Console.Mask(p.token)
	}
	mk := deps.Clients
	if mk == nil {
		mk = realClients
	}
	cl, err := mk(ctx, env)
	if err != nil {
		return err
	}
	clk := deps.Clock
	if clk == nil {
		clk = clock.Wall{}
	}
	c := env.Console
	eng, r, led := engines(env, p, cl, clk)
	if p.mode == "known-good" {
		return knownGood(ctx, env, p, led, clk.Now())
	}
	svcs, err := eng.DescribeServices(ctx, p.cluster, p.services)
	if err != nil {
		return engineInput(err)
	}
	for _, s := range p.services {
		if svcs[s] == nil {
			return ecsinput.NotFound("service", s, p.cluster, "")
		}
	}
	start := clk.Now()
	if p.mode == "check" {
		return deps.check(ctx, env, p, eng, r, led, svcs, start)
	}
	if led != nil {
		// The lock deploy-ecs takes: a rollback never races a deployment
		// of the same service. What it returns to is read under the lock,
		// so it is relative to the revision live once the lock is held.
		release, err := lockServices(ctx, env, p, led)
		if err != nil {
			return err
		}
		defer func() {
			if err := release(); err != nil {
				c.Warningf("%v", err)
			}
		}()
		if svcs, err = eng.DescribeServices(ctx, p.cluster, p.services); err != nil {
			return engineInput(err)
		}
	}
	// Resolve every target before changing anything.
	plans, current, err := resolveTargets(ctx, env, p, r, svcs)
	if err != nil {
		return err
	}
	if err := p.guard.Run(ctx, cl.Forecast, p.cluster, p.services, clk.Now(), c, "rollback"); err != nil {
		return err
	}
	res, err := deps.apply(ctx, eng, p, plans, false)
	if err != nil {
		return err
	}
	return deps.finish(ctx, env, p, led, res, current, start, clk)
}

// engines builds the deploy engine, logging to the console, and the
// roller over the clients; with ledger-table, the ledger both read.
func engines(env *cli.Env, p *Config, cl Clients, clk clock.Clock) (*deploy.Engine, *Roller, *ledger.Ledger) {
	c := env.Console
	eng := &deploy.Engine{ECS: cl.ECS, CloudWatch: cl.CloudWatch, ELB: cl.ELB, Clock: clk,
		Log: func(service, line string) {
			if service != "" {
				line = "[" + service + "] " + line
			}
			c.Infof("%s", line)
		}}
	r := &Roller{ECS: cl.ECS, Clock: clk, Retry: eng.Retry}
	var led *ledger.Ledger
	if p.ledgerTable != "" {
		led = &ledger.Ledger{DB: cl.DynamoDB, Table: p.ledgerTable, Now: clk.Now, Sleep: clk.Sleep}
		r.Ledger = led
	}
	return eng, r, led
}

// lockServices takes deploy-ecs's lock on the services; a lock held by
// another run exits with exitcode.Locked.
func lockServices(ctx context.Context, env *cli.Env, p *Config, led *ledger.Ledger) (func() error, error) {
	release, err := deploy.LockServices(ctx, led, p.cluster, p.services, ledger.Holder(env.Getenv), p.lockTimeout, env.Console.SetOutput)
	if err != nil {
		var le *ledger.LockedError
		if errors.As(err, &le) {
			return nil, &exitcode.Error{Code: exitcode.Locked, Err: err}
		}
		return nil, err
	}
	return release, nil
}

// resolveTargets finds the revision each service returns to, and the one
// it runs now, before anything changes.
func resolveTargets(ctx context.Context, env *cli.Env, p *Config, r *Roller, svcs map[string]*types.Service) ([]plannedTarget, map[string]string, error) {
	c := env.Console
	var plans []plannedTarget
	current := map[string]string{}
	for _, s := range p.services {
		cur := aws.ToString(svcs[s].TaskDefinition)
		current[s] = cur
		t, err := r.Target(ctx, p.cluster, s, cur, p.target(s))
		if err != nil {
			return nil, nil, err
		}
		for _, w := range t.Warnings {
			c.Warningf("[%s] %s", s, w)
		}
		if t.Revision == cur && t.Stop == "" {
			c.Infof("[%s] already runs %s; nothing to roll back", s, taskdef.FamilyRevision(cur))
		}
		plans = append(plans, plannedTarget{Service: s, Current: cur, Target: t})
	}
	return plans, current, nil
}

// finish writes the rollback's summary and outputs, records it in the
// ledger and turns its status into the exit code.
func (deps *Deps) finish(ctx context.Context, env *cli.Env, p *Config, led *ledger.Ledger, res *deploy.Result, current map[string]string, start time.Time, clk clock.Clock) error {
	c := env.Console
	title := "rollback"
	if p.reason != "" {
		title += " (" + p.reason + ")"
	}
	c.AddSummary(res.Markdown(title))
	rolled := false
	for _, s := range res.Services {
		if s.TaskDefinition != current[s.Service] && s.Status == deploy.Succeeded {
			rolled = true
		}
	}
	setOutputs(c.SetOutput, res, rolled, len(p.services) > 1, start, clk.Now())
	deps.record(ctx, env, led, p, res, current, nil)
	if res.Status != deploy.Succeeded {
		return exitcode.Negativef("rollback %s", strings.TrimPrefix(res.Headline(), "deployment "))
	}
	return nil
}

// deploy runs the engine on targets in one parallel wave. A rollback does
// not roll itself back: it leaves the verdict to ECS's circuit breaker.
func (deps *Deps) deploy(ctx context.Context, eng *deploy.Engine, p *Config, targets []deploy.Target, force bool) (*deploy.Result, error) {
	plan := &deploy.Plan{Cluster: p.cluster, Waves: [][]deploy.Target{targets}, Wait: p.wait, Timeout: p.timeout, ForceNewDeployment: force}
	prep, err := eng.Prepare(ctx, plan)
	if err != nil {
		return nil, engineInput(err)
	}
	return eng.Deploy(ctx, prep), nil
}

// engineInput turns what the engine found missing (the cluster, a service,
// a revision) or wrong with a service (not active, another deployment
// controller) into bad input (exit 2). Its findings about deploy-ecs's own
// inputs (strategy, bake time, timeout, family) stay failures here.
func engineInput(err error) error {
	var nf *deploy.NotFoundError
	if errors.As(err, &nf) {
		return ecsinput.NotFound(nf.Kind, nf.Name, nf.Cluster, nf.Where)
	}
	var ie *deploy.InputError
	if errors.As(err, &ie) && ie.Input == "service" {
		return inputs.Errorf(ie.Input, ie.Value, "%s", ie.Reason)
	}
	return err
}

func (deps *Deps) record(ctx context.Context, env *cli.Env, led *ledger.Ledger, p *Config, res *deploy.Result, current, why map[string]string) {
	if led == nil {
		return
	}
	for _, s := range res.Services {
		if s.TaskDefinition == "" || (s.TaskDefinition == current[s.Service] && s.Note != "") {
			continue
		}
		// a forced redeployment of the running revision rolls nothing back
		rollbackOf := current[s.Service]
		if rollbackOf == s.TaskDefinition {
			rollbackOf = ""
		}
		rec := ledger.Record{Cluster: p.cluster, Service: s.Service, Environment: p.environment, Images: s.Images,
			TaskDefinition: s.TaskDefinition, Previous: s.Previous, Commit: env.Getenv("GITHUB_SHA"), Actor: env.Getenv("GITHUB_ACTOR"),
			Start: s.Started, End: s.Finished, Outcome: string(s.Status), RollbackOf: rollbackOf, Reason: p.reason}
		if w := why[s.Service]; w != "" {
			rec.Reason = w
		}
		if err := led.Put(context.WithoutCancel(ctx), rec); err != nil {
			env.Console.Warningf("%v", err)
		}
	}
}

func setOutputs(set func(string, string), res *deploy.Result, rolled, multi bool, start, end time.Time) {
	set("rolled-back", strconv.FormatBool(rolled))
	if res != nil && res.Status != "" {
		set("status", string(res.Status))
	}
	if res != nil && !multi && len(res.Services) == 1 {
		set("task-definition-arn", res.Services[0].LeftOn)
	} else if res != nil {
		m := map[string]string{}
		for _, s := range res.Services {
			m[s.Service] = s.LeftOn
		}
		b, _ := json.Marshal(m)
		set("task-definition-arn", string(b))
	}
	set("duration-seconds", strconv.Itoa(int(end.Sub(start).Round(time.Second).Seconds())))
}

// parseTo reads "to": one value for every service, or service=value lines.
// A pinned revision belongs to one family, so with several services it must
// be given per service.
func parseTo(p *Config, lines []string) error {
	if len(lines) == 0 {
		lines = []string{"previous"}
	}
	if len(lines) == 1 && !strings.Contains(lines[0], "=") {
		p.to = lines[0]
		if err := ValidTo(p.to); err != nil {
			return err
		}
		if len(p.services) > 1 && p.to != "previous" && p.to != "last-known-good" {
			return inputs.Errorf("to", p.to, "pins one revision but %d services are given; write one service=revision line per service, or use previous or last-known-good", len(p.services))
		}
		return nil
	}
	known := map[string]bool{}
	for _, s := range p.services {
		known[s] = true
	}
	p.toFor = map[string]string{}
	for _, l := range lines {
		svc, v, ok := strings.Cut(l, "=")
		svc, v = strings.TrimSpace(svc), strings.TrimSpace(v)
		if !ok || !known[svc] {
			return inputs.Errorf("to", l, "with several targets write one service=revision line per service; services: %s", strings.Join(p.services, ", "))
		}
		if err := ValidTo(v); err != nil {
			return err
		}
		p.toFor[svc] = v
	}
	for _, s := range p.services {
		if _, ok := p.toFor[s]; !ok {
			return inputs.Errorf("to", "", "has no line for service %s", s)
		}
	}
	return nil
}

// target is where service s returns to.
func (p *Config) target(s string) string {
	if v, ok := p.toFor[s]; ok {
		return v
	}
	return p.to
}

func containsValue(m map[string]string, v string) bool {
	for _, x := range m {
		if x == v {
			return true
		}
	}
	return false
}
