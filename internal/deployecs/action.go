package deployecs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/clock"
	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/ecsinput"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/forecast"
	"github.com/ecsflow/ecsflow/internal/github"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// Clients are the AWS clients an action uses.
type Clients struct {
	ECS        deploy.ECS
	CloudWatch deploy.CloudWatch
	ELB        deploy.ELB
	DynamoDB   ledger.DynamoDB
	// Forecast reads predictive scaling forecasts; nil reads none.
	Forecast forecast.API
}

// Deps are what Run takes from the outside world; tests replace
// parts of it (a simulator for ECS, a fake clock).
type Deps struct {
	// Clients builds the clients; nil loads the AWS configuration from the
	// inputs and builds the real ones.
	Clients func(ctx context.Context, env *cli.Env) (Clients, error)
	Clock   clock.Clock
	HTTP    deploy.HTTPDoer
	// PollCeiling overrides the engine's default.
	PollCeiling time.Duration
	// ReadFile reads task-definition files (default os.ReadFile).
	ReadFile func(string) ([]byte, error)
}

// Run is the deploy-ecs action: ParseConfig reads the inputs without any
// AWS call, then it deploys the services in waves, sets the outputs and
// writes the summary.
func Run(ctx context.Context, env *cli.Env, deps Deps) error {
	return deps.run(ctx, env)
}

// RealClients loads the AWS configuration from the action's inputs and
// builds the real clients.
func RealClients(ctx context.Context, env *cli.Env) (Clients, error) {
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

// Config is deploy-ecs's parsed inputs: the engine's plan and what the
// action does around it (the ledger and its lock, the forecast guard).
type Config struct {
	plan        *deploy.Plan
	ledgerTable string
	lockTimeout time.Duration
	environment string
	guard       forecast.Guard
}

var tdRevision = regexp.MustCompile(`^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/)?[A-Za-z0-9_-]{1,255}:\d+$`)

// ParseConfig reads and checks every input of deploy-ecs without any AWS
// call: task-definition files are read with readFile (nil is os.ReadFile)
// from the workspace getenv names. Errors are *inputs.Error naming the
// input.
func ParseConfig(in *inputs.Inputs, getenv func(string) string, readFile func(string) ([]byte, error)) (*Config, error) {
	p, err := parsePlan(in, outfile.FromEnv(getenv), readFile)
	if err != nil {
		return nil, err
	}
	cfg := &Config{plan: p, ledgerTable: in.String("ledger-table"), environment: in.String("environment")}
	if cfg.lockTimeout, err = in.Duration("lock-timeout", 0, 6*time.Hour); err != nil {
		return nil, err
	}
	if cfg.ledgerTable != "" && !ledger.ValidTableName(cfg.ledgerTable) {
		return nil, inputs.Errorf("ledger-table", cfg.ledgerTable, ledger.TableNameRule)
	}
	g, err := in.Enum("forecast-guard", forecast.GuardNames...)
	if err != nil {
		return nil, err
	}
	cfg.guard = forecast.Guard(g)
	return cfg, nil
}

// parsePlan reads the inputs the engine's plan is made of: what to deploy
// where, in which waves, how and behind which gates.
func parsePlan(in *inputs.Inputs, ws outfile.Roots, readFile func(string) ([]byte, error)) (*deploy.Plan, error) {
	p := &deploy.Plan{}
	var err error
	if p.Cluster, err = ecsinput.Cluster(in); err != nil {
		return nil, err
	}
	services, err := ecsinput.Services(in)
	if err != nil {
		return nil, err
	}
	sources, err := parseSources(in, services, ws, readFile)
	if err != nil {
		return nil, err
	}
	renders, err := parseRenders(in)
	if err != nil {
		return nil, err
	}
	var desired *int32
	if in.IsSet("desired-count") {
		n, err := in.Int("desired-count", 0, 100000)
		if err != nil {
			return nil, err
		}
		desired = aws.Int32(int32(n))
	}
	if p.ForceNewDeployment, err = in.Bool("force-new-deployment"); err != nil {
		return nil, err
	}
	if err := parseStrategy(in, p); err != nil {
		return nil, err
	}
	hcURLs, err := parseHealthURLs(in, services)
	if err != nil {
		return nil, err
	}
	if err := parseGates(in, p); err != nil {
		return nil, err
	}
	if err := parseRunOptions(in, p); err != nil {
		return nil, err
	}
	waves, err := deploy.ParseOrder(services, in.String("order"))
	if err != nil {
		return nil, inputs.Errorf("order", in.String("order"), "%v", err)
	}
	for _, w := range waves {
		var ts []deploy.Target
		for _, s := range w {
			ts = append(ts, deploy.Target{Service: s, Source: sources[s], Renders: renders, DesiredCount: desired, HealthCheckURL: hcURLs[s]})
		}
		p.Waves = append(p.Waves, ts)
	}
	if err := checkRenderContainers(p, services); err != nil {
		return nil, err
	}
	return p, nil
}

// parseStrategy reads the deployment strategy and its timings.
func parseStrategy(in *inputs.Inputs, p *deploy.Plan) error {
	var err error
	if in.String("strategy") != "" {
		if p.Strategy.Kind, err = in.Enum("strategy", "rolling", "blue-green", "canary", "linear"); err != nil {
			return err
		}
	}
	if p.Strategy.BakeTime, err = in.Duration("bake-time", 0, 24*time.Hour); err != nil {
		return err
	}
	if p.Strategy.CanaryBakeTime, err = in.Duration("canary-bake-time", 0, 24*time.Hour); err != nil {
		return err
	}
	if p.Strategy.LinearInterval, err = in.Duration("linear-interval", 0, 24*time.Hour); err != nil {
		return err
	}
	if p.Strategy.CanaryPercent, err = percent(in, "canary-percent", 0.1); err != nil {
		return err
	}
	if p.Strategy.LinearStepPercent, err = percent(in, "linear-step-percent", 3); err != nil {
		return err
	}
	return nil
}

// parseGates reads what a deployment must pass: health checks, alarms,
// metric gates and anomaly metrics.
func parseGates(in *inputs.Inputs, p *deploy.Plan) error {
	var err error
	if p.Gates.HealthCheckStatus, err = in.Int("health-check-status", 100, 599); err != nil {
		return err
	}
	if p.Gates.HealthCheckSuccesses, err = in.Int("health-check-successes", 1, 100); err != nil {
		return err
	}
	if p.Gates.HealthCheckFailures, err = in.Int("health-check-failures", 1, 100); err != nil {
		return err
	}
	p.Gates.Alarms = in.List("alarms")
	if err := in.JSON("metric-gates", &p.Gates.Metrics); err != nil {
		return err
	}
	for _, m := range p.Gates.Metrics {
		if err := m.Validate(); err != nil {
			return inputs.Errorf("metric-gates", "", "%v", err)
		}
	}
	for _, l := range in.Lines("anomaly-metrics") {
		g, err := deploy.ParseAnomalyMetric(l)
		if err != nil {
			return inputs.Errorf("anomaly-metrics", l, "%v", err)
		}
		p.Gates.Anomaly = append(p.Gates.Anomaly, g)
	}
	return nil
}

// parseRunOptions reads how the run waits, fails and rolls back.
func parseRunOptions(in *inputs.Inputs, p *deploy.Plan) error {
	var err error
	if p.FailedTasksThreshold, err = in.Int("failed-tasks-threshold", 0, 1000); err != nil {
		return err
	}
	if p.Wait, err = in.Bool("wait"); err != nil {
		return err
	}
	if err := checkWaitGates(in, p.Wait); err != nil {
		return err
	}
	if p.AllowFamilyChange, err = in.Bool("allow-family-change"); err != nil {
		return err
	}
	if p.Timeout, err = in.Duration("timeout", time.Minute, 12*time.Hour); err != nil {
		return err
	}
	if p.RollbackOnFailure, err = in.Bool("rollback-on-failure"); err != nil {
		return err
	}
	return nil
}

// percent reads a traffic percentage: from lo to 100 in steps of 0.1, as
// ECS takes canaryPercent (0.1) and stepPercent (3).
func percent(in *inputs.Inputs, name string, lo float64) (float64, error) {
	v := in.String(name)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	// NaN fails every comparison; tenths refuses it explicitly.
	if err != nil || !deploy.Tenths(f, lo, 100) {
		return 0, inputs.Errorf(name, v, "is not a percentage from %g to 100 in steps of 0.1", lo)
	}
	return f, nil
}

// checkWaitGates refuses gates without waiting: the gates run while
// deploy-ecs waits, so with wait: false nothing would check them.
func checkWaitGates(in *inputs.Inputs, wait bool) error {
	if wait {
		return nil
	}
	for _, g := range []string{"health-check-url", "alarms", "metric-gates", "anomaly-metrics"} {
		if in.String(g) != "" {
			return inputs.Errorf("wait", "false", "cannot be combined with %s: gates are checked while deploy-ecs waits for the deployment, so with wait: false nobody would check them; set wait: true or remove %s", g, g)
		}
	}
	return nil
}

// parseSources reads task-definition: one value for all services, or
// service=value lines. Files are taken from the workspace (outfile.ReadRule).
func parseSources(in *inputs.Inputs, services []string, ws outfile.Roots, read func(string) ([]byte, error)) (map[string]deploy.Source, error) {
	if read == nil {
		read = os.ReadFile
	}
	raw := in.Lines("task-definition")
	per := map[string]string{}
	if len(raw) == 1 && !strings.Contains(raw[0], "=") {
		for _, s := range services {
			per[s] = raw[0]
		}
	} else {
		known := map[string]bool{}
		for _, s := range services {
			known[s] = true
			per[s] = "current"
		}
		for _, l := range raw {
			k, v, ok := strings.Cut(l, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || !known[k] || v == "" {
				return nil, inputs.Errorf("task-definition", l, "with several services write one service=file|current|family:revision line per service; services: %s", strings.Join(services, ", "))
			}
			per[k] = v
		}
	}
	if len(services) > 1 {
		files := map[string]string{}
		for s, v := range per {
			if v != "current" && !tdRevision.MatchString(v) {
				if other, dup := files[v]; dup {
					return nil, inputs.Errorf("task-definition", v, "is given for both %s and %s; each service needs its own task definition file", other, s)
				}
				files[v] = s
			}
		}
	}
	out := map[string]deploy.Source{}
	for s, v := range per {
		switch {
		case v == "current" || v == "":
			out[s] = deploy.Source{}
		case tdRevision.MatchString(v) && !strings.HasSuffix(v, ".json"):
			out[s] = deploy.Source{Revision: v}
		default:
			data, err := read(ws.ReadPath(v))
			if err != nil {
				return nil, inputs.Errorf("task-definition", v, "cannot be read (looked for %s: %v); give a JSON file path, current, or family:revision; %s", ws.ReadPath(v), errors.Unwrap(err), outfile.ReadRule)
			}
			doc, err := taskdef.Parse(data)
			if err != nil {
				return nil, inputs.Errorf("task-definition", v, "%v", err)
			}
			if err := doc.Validate(); err != nil {
				return nil, inputs.Errorf("task-definition", v, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
			}
			out[s] = deploy.Source{Doc: doc}
		}
	}
	return out, nil
}

// parseRenders turns the image and render inputs into Renders.
func parseRenders(in *inputs.Inputs) ([]taskdef.Render, error) {
	name := in.String("container-name")
	image := in.String("image")
	renders, byContainer, err := parseImageLines(in)
	if err != nil {
		return nil, err
	}
	r, err := parseRenderOptions(in, name, image)
	if err != nil {
		return nil, err
	}
	hasOptions := r.Image != "" || len(r.Environment) > 0 || len(r.Secrets) > 0 || len(r.DockerLabels) > 0 ||
		len(r.Command) > 0 || r.LogDriver != "" || len(r.LogOptions) > 0
	if hasOptions && name == "" {
		if image != "" {
			return nil, inputs.Errorf("container-name", "", "is required with image; name the container whose image is set")
		}
		return nil, inputs.Errorf("container-name", "", "is required with the render options (environment-variables, secrets, docker-labels, command, log-configuration-*)")
	}
	if name != "" && !hasOptions {
		return nil, inputs.Errorf("image", "", "is required with container-name (or give images, or a render option)")
	}
	if image != "" {
		if err := taskdef.CheckImage(image); err != nil {
			return nil, inputs.Errorf("image", image, "%v", err)
		}
	}
	if hasOptions {
		if i, ok := byContainer[name]; ok {
			if r.Image != "" && renders[i].Image != r.Image {
				return nil, inputs.Errorf("image", image, "conflicts with the images line for container %s", name)
			}
			img := renders[i].Image
			renders[i] = r
			if renders[i].Image == "" {
				renders[i].Image = img
			}
		} else {
			renders = append(renders, r)
		}
	}
	return renders, nil
}

// parseImageLines reads the images input (container=image lines) and
// indexes the renders by container.
func parseImageLines(in *inputs.Inputs) ([]taskdef.Render, map[string]int, error) {
	var renders []taskdef.Render
	byContainer := map[string]int{}
	for _, l := range in.Lines("images") {
		c, img, ok := strings.Cut(l, "=")
		c, img = strings.TrimSpace(c), strings.TrimSpace(img)
		if !ok || c == "" || img == "" {
			return nil, nil, inputs.Errorf("images", l, "is not a container=image line")
		}
		if err := taskdef.CheckImage(img); err != nil {
			return nil, nil, inputs.Errorf("images", l, "%v", err)
		}
		if _, dup := byContainer[c]; dup {
			return nil, nil, inputs.Errorf("images", l, "sets container %s twice", c)
		}
		byContainer[c] = len(renders)
		renders = append(renders, taskdef.Render{Container: c, Image: img})
	}
	return renders, byContainer, nil
}

// parseRenderOptions reads the render options of container-name: its
// image, environment, secrets, labels, command and log configuration.
func parseRenderOptions(in *inputs.Inputs, name, image string) (taskdef.Render, error) {
	r := taskdef.Render{Container: name, Image: image}
	var err error
	kv := func(input string) ([]taskdef.KV, error) {
		m, err := in.Map(input)
		if err != nil {
			return nil, err
		}
		out := make([]taskdef.KV, len(m))
		for i, e := range m {
			out[i] = taskdef.KV{Key: e.Key, Value: e.Value}
		}
		return out, nil
	}
	if r.Environment, err = kv("environment-variables"); err != nil {
		return taskdef.Render{}, err
	}
	if r.Secrets, err = kv("secrets"); err != nil {
		return taskdef.Render{}, err
	}
	for _, s := range r.Secrets {
		if !strings.HasPrefix(s.Value, "arn:") && !strings.HasPrefix(s.Value, "/") {
			return taskdef.Render{}, inputs.Errorf("secrets", s.Key+"="+s.Value, "valueFrom must be a Secrets Manager secret ARN or an SSM parameter ARN or /path")
		}
	}
	if r.DockerLabels, err = kv("docker-labels"); err != nil {
		return taskdef.Render{}, err
	}
	if r.LogOptions, err = kv("log-configuration-options"); err != nil {
		return taskdef.Render{}, err
	}
	r.LogDriver = in.String("log-configuration-log-driver")
	if cmd := in.String("command"); cmd != "" {
		if strings.HasPrefix(cmd, "[") {
			if err := json.Unmarshal([]byte(cmd), &r.Command); err != nil {
				return taskdef.Render{}, inputs.Errorf("command", cmd, "looks like a JSON array but does not parse as one: %v", err)
			}
		} else {
			r.Command = strings.Fields(cmd)
		}
	}
	return r, nil
}

// checkRenderContainers verifies, for task definitions from files, that
// every rendered container exists (the live revision is checked in Prepare).
// With several services a container must exist in at least one of them.
func checkRenderContainers(p *deploy.Plan, services []string) error {
	for _, r := range p.Waves[0][0].Renders {
		found, known := false, true
		for _, w := range p.Waves {
			for _, t := range w {
				if t.Source.Doc == nil {
					known = false
					continue
				}
				for _, n := range t.Source.Doc.ContainerNames() {
					if n == r.Container {
						found = true
					}
				}
			}
		}
		if known && !found {
			return inputs.Errorf(deploy.RenderInput(r), r.Container, "container %q is not in the task definition", r.Container)
		}
	}
	return nil
}

func parseHealthURLs(in *inputs.Inputs, services []string) (map[string]string, error) {
	out := map[string]string{}
	check := func(u string) error {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return inputs.Errorf("health-check-url", u, "is not an http(s) URL")
		}
		return nil
	}
	lines := in.Lines("health-check-url")
	if len(lines) == 1 && strings.Contains(lines[0], "://") && !strings.Contains(strings.SplitN(lines[0], "://", 2)[0], "=") {
		if err := check(lines[0]); err != nil {
			return nil, err
		}
		for _, s := range services {
			out[s] = lines[0]
		}
		return out, nil
	}
	known := map[string]bool{}
	for _, s := range services {
		known[s] = true
	}
	for _, l := range lines {
		s, u, ok := strings.Cut(l, "=")
		s, u = strings.TrimSpace(s), strings.TrimSpace(u)
		if !ok || !known[s] {
			return nil, inputs.Errorf("health-check-url", l, "with several URLs write one service=URL line per service; services: %s", strings.Join(services, ", "))
		}
		if err := check(u); err != nil {
			return nil, err
		}
		out[s] = u
	}
	return out, nil
}

func (deps *Deps) run(ctx context.Context, env *cli.Env) error {
	cfg, err := ParseConfig(env.Inputs, env.Getenv, deps.ReadFile)
	if err != nil {
		return err
	}
	plan := cfg.plan
	mkClients := deps.Clients
	if mkClients == nil {
		mkClients = RealClients
	}
	clients, err := mkClients(ctx, env)
	if err != nil {
		return err
	}
	clk := deps.Clock
	if clk == nil {
		clk = clock.Wall{}
	}
	c := env.Console
	eng := deps.engine(env, clients, clk)
	if err := checkAlarms(ctx, eng, clients, plan); err != nil {
		return err
	}
	multi := len(plan.Services()) > 1
	plan.SkipMissingContainers = multi
	// Checked against AWS before the lock, so a wrong input never waits
	// for another run.
	prep, err := prepare(ctx, eng, plan)
	if err != nil {
		return err
	}
	if err := cfg.guard.Run(ctx, clients.Forecast, plan.Cluster, plan.Services(), clk.Now(), c, "deployment"); err != nil {
		return err
	}
	var led *ledger.Ledger
	if cfg.ledgerTable != "" {
		led = &ledger.Ledger{DB: clients.DynamoDB, Table: cfg.ledgerTable, Now: clk.Now, Sleep: clk.Sleep}
		release, err := deploy.LockServices(ctx, led, plan.Cluster, plan.Services(), ledger.Holder(env.Getenv), cfg.lockTimeout, c.SetOutput)
		if err != nil {
			return lockedExit(err)
		}
		defer func() {
			if err := release(); err != nil {
				c.Warningf("%v", err)
			}
		}()
		// Read the services again under the lock: the revision a rollback
		// returns to (and the ledger's previous) is the one live while this
		// run holds the lock, not the one live when it started waiting.
		if prep, err = prepare(ctx, eng, plan); err != nil {
			return err
		}
	}
	end := c.Group(fmt.Sprintf("Deploying %s to cluster %s", strings.Join(plan.Services(), ", "), plan.Cluster))
	res := eng.Deploy(ctx, prep)
	end()

	setOutputs(c.SetOutput, res, multi)
	c.AddSummary(res.Markdown("deploy-ecs"))
	if led != nil {
		record(ctx, env, eng, led, cfg, res)
	}
	if res.Status != deploy.Succeeded && res.Status != deploy.Started {
		return exitcode.Negativef("%s", res.Headline())
	}
	return nil
}

// engine is the deploy engine over the clients, logging to the console.
func (deps *Deps) engine(env *cli.Env, clients Clients, clk clock.Clock) *deploy.Engine {
	httpc := deps.HTTP
	if httpc == nil {
		httpc = &http.Client{Timeout: 10 * time.Second}
	}
	c := env.Console
	return &deploy.Engine{ECS: clients.ECS, CloudWatch: clients.CloudWatch, ELB: clients.ELB, HTTP: httpc, Clock: clk, PollCeiling: deps.PollCeiling, Region: deploy.ClientRegion(clients.ECS),
		Log: func(service, line string) {
			if service != "" {
				line = "[" + service + "] " + line
			}
			c.Infof("%s", line)
		}}
}

// checkAlarms refuses alarm gates that name no CloudWatch alarm (exit 2,
// naming the alarms input) before anything changes.
func checkAlarms(ctx context.Context, eng *deploy.Engine, clients Clients, plan *deploy.Plan) error {
	if len(plan.Gates.Alarms) == 0 {
		return nil
	}
	var missing []string
	err := eng.Retry(ctx, "cloudwatch:DescribeAlarms", func() (err error) {
		missing, err = deploy.MissingAlarms(ctx, clients.CloudWatch, plan.Gates.Alarms)
		return err
	})
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return inputs.Errorf("alarms", strings.Join(missing, ", "), "no such CloudWatch alarm in %s", eng.Where())
	}
	return nil
}

// record writes each service's deployment to the ledger, with the image
// digests ECS pulled once it succeeded; a failed write is a warning.
func record(ctx context.Context, env *cli.Env, eng *deploy.Engine, led *ledger.Ledger, cfg *Config, res *deploy.Result) {
	plan := cfg.plan
	for _, s := range res.Services {
		if s.TaskDefinition == "" {
			continue
		}
		images := s.Images
		if s.Status == deploy.Succeeded && plan.Wait {
			// the digests ECS pulled, not only the tags the task definition names
			if d, err := eng.ImageDigests(context.WithoutCancel(ctx), plan.Cluster, s.Service, s.TaskDefinition); err == nil && len(d) > 0 {
				images = d
			}
		}
		outcome := string(s.Status) // "started" when not waited for: never a known-good revision
		rec := ledger.Record{Cluster: plan.Cluster, Service: s.Service, Environment: cfg.environment, Images: images,
			TaskDefinition: s.TaskDefinition, Previous: s.Previous, Commit: env.Getenv("GITHUB_SHA"), Actor: env.Getenv("GITHUB_ACTOR"),
			RunURL: github.RunURL(env.Getenv), Start: s.Started, End: s.Finished, Outcome: outcome, Reason: strings.Join(s.Reasons, "; ")}
		if err := led.Put(context.WithoutCancel(ctx), rec); err != nil {
			env.Console.Warningf("%v", err)
		}
	}
}

// prepare runs the engine's read-only checks; a cluster, service or
// revision the engine does not find, and a plan it finds wrong, become the
// *inputs.Error of the input that named them (exit 2).
func prepare(ctx context.Context, eng *deploy.Engine, plan *deploy.Plan) (*deploy.Prepared, error) {
	prep, err := eng.Prepare(ctx, plan)
	var nf *deploy.NotFoundError
	if errors.As(err, &nf) {
		return nil, ecsinput.NotFound(nf.Kind, nf.Name, nf.Cluster, nf.Where)
	}
	var ie *deploy.InputError
	if errors.As(err, &ie) {
		return nil, inputs.Errorf(ie.Input, ie.Value, "%s", ie.Reason)
	}
	return prep, err
}

// lockedExit makes a lock held by another run exit 4 (locked).
func lockedExit(err error) error {
	var le *ledger.LockedError
	if errors.As(err, &le) {
		return &exitcode.Error{Code: exitcode.Locked, Err: err}
	}
	return err
}

func setOutputs(set func(name, value string), res *deploy.Result, multi bool) {
	pick := func(f func(*deploy.ServiceResult) string) string {
		if !multi && len(res.Services) == 1 {
			return f(res.Services[0])
		}
		m := map[string]string{}
		for _, s := range res.Services {
			m[s.Service] = f(s)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	set("task-definition-arn", pick(func(s *deploy.ServiceResult) string { return s.TaskDefinition }))
	set("previous-task-definition-arn", pick(func(s *deploy.ServiceResult) string { return s.Previous }))
	set("deployment-id", pick(func(s *deploy.ServiceResult) string { return s.DeploymentID }))
	set("status", string(res.Status))
	set("duration-seconds", strconv.Itoa(int(res.End.Sub(res.Start).Round(time.Second).Seconds())))
}
