// Package driftcheck runs the drift-check action: it reads the inputs,
// finds and loads the Terraform state, scans the live account with package
// drift, optionally fixes the safe class, and reports through the job
// summary, outputs, JSON and markdown files and one GitHub issue per
// environment.
package driftcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/s3client"
	"github.com/ecsflow/ecsflow/internal/tfinput"
	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// Config is the validated input of one run.
type Config struct {
	Path        string
	State       tfstate.Location
	StateInput  string // the input that named the state: "state" or "path"
	Environment string
	Workspace   string
	Region      string
	// Provider is the region of the root's provider "aws" block.
	Provider    tfstate.ProviderRegion
	Resources   []string
	Ignore      *drift.Ignorer
	IgnoreHCL   tfstate.IgnoreChanges
	Desired     []drift.DesiredTaskDefinition
	LedgerTable string
	FailOnDrift bool
	Issue       bool
	Token       string
	Remediate   string
}

// Deps are what Run takes from outside; the zero value is the real AWS
// configuration and GitHub API, and tests replace parts.
type Deps struct {
	// AWSConfig overrides loading the AWS configuration.
	AWSConfig func(ctx context.Context) (aws.Config, error)
	// HTTPClient carries GitHub API calls (default a plain client); each
	// call is bounded by github.DefaultTimeout.
	HTTPClient *http.Client
	// GitHubAPI is the REST base URL (default GITHUB_API_URL or https://api.github.com).
	GitHubAPI string
	// ReportDir is where the reports go (default RUNNER_TEMP or the temp dir).
	ReportDir string
}

// Run is the drift-check action: ParseConfig reads the inputs without any
// AWS call, then it reads the state, compares it with AWS, writes the
// reports, outputs and summary, and opens or updates the issue.
func Run(ctx context.Context, env *cli.Env, o Deps) error {
	cfg, err := ParseConfig(env.Inputs, env.Getenv)
	if err != nil {
		return err
	}
	con := env.Console
	if cfg.Token != "" {
		con.Mask(cfg.Token)
	}

	// A local state is read before anything touches AWS, so a bad file is
	// a bad input even without credentials.
	var st *tfstate.State
	if !cfg.State.IsS3() {
		if st, err = loadState(ctx, cfg, nil); err != nil {
			return err
		}
	}
	awsCfg, err := loadAWSConfig(ctx, env, o, cfg)
	if err != nil {
		return err
	}
	if st == nil {
		if st, err = readS3State(ctx, env, cfg, awsCfg); err != nil {
			return err
		}
	}
	// Before anything is compared or any issue is touched.
	if err := checkRegion(cfg, st, awsCfg.Region, regionSource(env, cfg), env.Inputs.String("aws-region") != ""); err != nil {
		return err
	}
	objs, err := filterObjects(st.Managed(), cfg.Resources)
	if err != nil {
		return err
	}
	con.Infof("state %s: serial %d, %d managed resource instances in scope, compared in %s", cfg.State, st.Serial, len(objs), awsCfg.Region)

	clients := newClients(awsCfg, env.Getenv)
	so := drift.Options{Ignore: cfg.Ignore, IgnoreChanges: cfg.IgnoreHCL, Desired: cfg.Desired, State: st.Managed()}
	var led *ledgerReader
	if cfg.LedgerTable != "" {
		led = newLedgerReader(dynamodb.NewFromConfig(awsCfg), cfg.LedgerTable)
		so.Ledger = led
	}
	end := con.Group(fmt.Sprintf("Comparing %d resources with AWS", len(objs)))
	res, err := drift.New(clients.drift(), so).Scan(ctx, objs)
	end()
	if err != nil {
		return fmt.Errorf("drift scan failed: %w", err)
	}
	if led != nil {
		res.Calls += led.calls.Load()
	}
	logResult(con, res)
	if cfg.Remediate == "safe" {
		for _, line := range remediate(ctx, env, clients, cfg, led, res) {
			con.Infof("remediated: %s", line)
		}
	}

	rep := newReport(cfg, st, res, env.Now())
	if err := writeOutputs(env, o, cfg, rep); err != nil {
		return err
	}
	return conclude(ctx, env, o, cfg, rep, res)
}

// loadAWSConfig loads the AWS configuration (or takes the injected one).
// The stack's region is the input, a var-file's aws_region, the
// environment, and last the state bucket's region.
func loadAWSConfig(ctx context.Context, env *cli.Env, o Deps, cfg *Config) (aws.Config, error) {
	if o.AWSConfig != nil {
		return o.AWSConfig(ctx)
	}
	ao := awsconfig.FromInputs(env.Inputs, env.Getenv, env.Console)
	if ao.Region == "" {
		ao.Region = cfg.Region
	}
	if ao.Region == "" && env.Getenv("AWS_REGION") == "" && env.Getenv("AWS_DEFAULT_REGION") == "" {
		ao.Region = cfg.State.Region
	}
	if ao.RoleSessionName == "" {
		ao.RoleSessionName = "ecsflow-drift-check"
	}
	return awsconfig.Load(ctx, ao)
}

// readS3State reads the state from its bucket, which may live in another
// region than the stack.
func readS3State(ctx context.Context, env *cli.Env, cfg *Config, awsCfg aws.Config) (*tfstate.State, error) {
	end := env.Console.Group("Reading the Terraform state " + cfg.State.String())
	defer end()
	s3opts := s3client.Options(env.Getenv)
	if r := cfg.State.Region; r != "" {
		s3opts = append(s3opts, func(o *s3.Options) { o.Region = r })
	}
	return loadState(ctx, cfg, s3.NewFromConfig(awsCfg, s3opts...))
}

// logResult writes the findings and the types not checked to the log.
func logResult(con *gha.Console, res *drift.Result) {
	con.Infof("%d resources compared, %d findings, %d expected differences ignored, %d AWS calls", res.Checked, len(res.Findings), res.Ignored, res.Calls)
	for _, f := range res.Findings {
		con.Infof("  %-8s %-9s %s: %s", f.Class, f.Kind, f.Name(), oneLine(f))
	}
	for _, n := range res.NotChecked {
		line := fmt.Sprintf("  not checked: %s (%d resources): %s", n.Type, len(n.Addresses), n.Reason)
		if len(n.Addresses) == 0 {
			line = fmt.Sprintf("  not checked: %s: %s", n.Type, n.Reason)
		}
		if n.Permission != "" {
			line += ", missing " + n.Permission
		}
		con.Infof("%s", line)
	}
}

// conclude syncs the drift issue, warns about critical drift and fails the
// run when drift is left and fail-on-drift is set.
func conclude(ctx context.Context, env *cli.Env, o Deps, cfg *Config, rep *Report, res *drift.Result) error {
	con := env.Console
	if cfg.Issue {
		n, action, err := syncIssue(ctx, env, o, cfg, rep)
		if err != nil {
			return err
		}
		if n > 0 {
			con.Infof("drift issue #%d %s", n, action)
			con.SetOutput("issue-number", fmt.Sprint(n))
		}
	}
	for _, f := range res.Findings {
		if f.Class == drift.Critical {
			con.Warningf("critical drift: %s: %s", f.Name(), oneLine(f))
		}
	}
	// Drift that remediation fixed does not fail the run; it stays in the
	// report and the outputs.
	if left := unresolved(res); left > 0 && cfg.FailOnDrift {
		return exitcode.Negativef("drift found in %s: %d changed, %d missing, %d unmanaged (%s), %d not remediated; see the job summary",
			rep.Environment, res.Count(drift.Changed), res.Count(drift.Missing), res.Count(drift.Unmanaged), classCounts(res), left)
	}
	return nil
}

func loadState(ctx context.Context, cfg *Config, client tfstate.S3API) (*tfstate.State, error) {
	st, err := tfstate.Load(ctx, cfg.State, client)
	if err != nil {
		var fe *tfstate.FormatError
		switch {
		case errors.Is(err, tfstate.ErrNotFound):
			return nil, inputs.Errorf(cfg.StateInput, cfg.State.String(), "%v; check the bucket, key, environment and workspace", err)
		case errors.As(err, &fe):
			return nil, inputs.Errorf(cfg.StateInput, cfg.State.String(), "%v", fe)
		}
		return nil, err
	}
	return st, nil
}

func unresolved(res *drift.Result) int {
	n := 0
	for _, f := range res.Findings {
		if f.Remediation == nil || !f.Remediation.Done {
			n++
		}
	}
	return n
}

func classCounts(res *drift.Result) string {
	var parts []string
	for _, c := range []drift.Class{drift.Critical, drift.Review, drift.Safe} {
		if n := len(res.ByClass(c)); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	return strings.Join(parts, ", ")
}

func oneLine(f drift.Finding) string {
	if len(f.Changes) == 0 {
		return f.Note
	}
	var parts []string
	for _, c := range f.Changes {
		parts = append(parts, fmt.Sprintf("%s: %s → %s", c.Attribute, c.Before, c.After))
	}
	return strings.Join(parts, "; ")
}

// ParseConfig validates every input before anything touches AWS.
func ParseConfig(in *inputs.Inputs, getenv func(string) string) (*Config, error) {
	cfg := &Config{
		Path:        in.String("path"),
		Environment: in.String("environment"),
		Workspace:   in.String("workspace"),
		LedgerTable: in.String("ledger-table"),
		Token:       in.String("github-token"),
		Region:      in.String("aws-region"),
	}
	for _, parse := range []func(*Config, *inputs.Inputs, func(string) string) error{parseSettings, parseFilters, parseRoot, parseState} {
		if err := parse(cfg, in, getenv); err != nil {
			return nil, err
		}
	}
	tdFiles, err := taskDefinitionFiles(outfile.FromEnv(getenv), in.List("task-definitions"))
	if err != nil {
		return nil, err
	}
	for _, f := range tdFiles {
		d, err := readTaskDefinition(f)
		if err != nil {
			return nil, inputs.Errorf("task-definitions", f, "%v", err)
		}
		cfg.Desired = append(cfg.Desired, d)
	}
	if cfg.Environment == "" {
		cfg.Environment = "default"
		if cfg.Workspace != "" {
			cfg.Environment = cfg.Workspace
		}
	}
	return cfg, nil
}

// parseSettings checks the switches, names and the issue's prerequisites.
func parseSettings(cfg *Config, in *inputs.Inputs, getenv func(string) string) error {
	var err error
	if cfg.FailOnDrift, err = in.Bool("fail-on-drift"); err != nil {
		return err
	}
	if cfg.Issue, err = in.Bool("issue"); err != nil {
		return err
	}
	if cfg.Remediate, err = in.Enum("remediate", "none", "safe"); err != nil {
		return err
	}
	if cfg.LedgerTable != "" && !ledger.ValidTableName(cfg.LedgerTable) {
		return inputs.Errorf("ledger-table", cfg.LedgerTable, ledger.TableNameRule)
	}
	if cfg.Workspace != "" && !validName(cfg.Workspace) {
		return inputs.Errorf("workspace", cfg.Workspace, "is not a workspace name; use letters, digits, - and _")
	}
	if cfg.Environment != "" && !validName(cfg.Environment) {
		return inputs.Errorf("environment", cfg.Environment, "is not an environment name; use letters, digits, - and _")
	}
	if cfg.Issue {
		if cfg.Token == "" {
			return inputs.Errorf("github-token", "", "is required when issue is true; pass secrets.GITHUB_TOKEN and grant `issues: write`")
		}
		if repo := getenv("GITHUB_REPOSITORY"); !strings.Contains(repo, "/") {
			return inputs.Errorf("issue", "true", "needs GITHUB_REPOSITORY (owner/name), which only a GitHub Actions run sets")
		}
	}
	return nil
}

// parseFilters checks ignore and resources.
func parseFilters(cfg *Config, in *inputs.Inputs, _ func(string) string) error {
	for _, name := range []string{"ignore", "resources"} {
		for _, v := range in.List(name) {
			if !utf8.ValidString(v) {
				return inputs.Errorf(name, v, "is not valid UTF-8 text; write Terraform addresses or attribute patterns such as aws_ecs_service.*.desired_count")
			}
		}
	}
	var err error
	if cfg.Ignore, err = drift.NewIgnorer(in.List("ignore")); err != nil {
		return inputs.Errorf("ignore", strings.Join(in.List("ignore"), ","), "%v", err)
	}
	cfg.Resources = in.List("resources")
	for _, r := range cfg.Resources {
		if !strings.Contains(r, ".") && !strings.Contains(r, "*") && !drift.Covered(r) {
			return &inputs.Error{Input: "resources", Value: r, Reason: "is not a resource type drift-check covers (or an address such as aws_ecs_service.web)", Allowed: drift.Types}
		}
	}
	return nil
}

// rootFS is the file system the Terraform root is read from; paths in it
// are absolute paths without the leading slash.
var rootFS = os.DirFS("/")

// fsPath is p as rootFS names it.
func fsPath(p string) string {
	if !filepath.IsAbs(p) {
		if a, err := filepath.Abs(p); err == nil {
			p = a
		} else {
			p = ""
		}
	}
	return strings.TrimPrefix(filepath.ToSlash(p), "/")
}

// userPath is err's text with files named as the user wrote path, not as
// rootFS sees dir, the directory path names in the workspace.
func userPath(err error, dir, path string) string {
	return strings.ReplaceAll(err.Error(), fsPath(dir), filepath.Clean(path))
}

// parseRoot reads the Terraform root (path, relative to the workspace like
// every file input; see package outfile): its ignore_changes lists, the var
// files, which may give the environment and the region, and the region of
// its provider block.
func parseRoot(cfg *Config, in *inputs.Inputs, getenv func(string) string) error {
	if cfg.Path == "" {
		return tfinput.NeedsRoot(in)
	}
	ws := outfile.FromEnv(getenv)
	dir, err := tfinput.Root(ws, cfg.Path)
	if err != nil {
		return err
	}
	if cfg.IgnoreHCL, err = tfstate.ReadIgnoreChanges(rootFS, fsPath(dir)); err != nil {
		return inputs.Errorf("path", cfg.Path, "%s", userPath(err, dir, cfg.Path))
	}
	files, err := tfinput.VarFiles(ws, cfg.Path, in.List("var-files"))
	if err != nil {
		return err
	}
	for i := range files {
		files[i] = fsPath(files[i])
	}
	vars, err := tfstate.ReadVarFiles(rootFS, files)
	if err != nil {
		return inputs.Errorf("var-files", strings.Join(in.List("var-files"), ","), "%v", err)
	}
	if cfg.Environment == "" {
		cfg.Environment = vars["environment"]
	}
	if cfg.Region == "" {
		cfg.Region = firstNonEmpty(vars["aws_region"], vars["region"])
	}
	if cfg.Provider, err = tfstate.ReadProviderRegion(rootFS, fsPath(dir), vars); err != nil {
		return inputs.Errorf("path", cfg.Path, "%s", userPath(err, dir, cfg.Path))
	}
	cfg.Provider.Source = strings.ReplaceAll(cfg.Provider.Source, fsPath(dir), filepath.Clean(cfg.Path))
	return nil
}

// parseState finds the state: the state input, or else the S3 backend of
// the Terraform root for the environment and workspace.
func parseState(cfg *Config, in *inputs.Inputs, getenv func(string) string) error {
	ws := outfile.FromEnv(getenv)
	if s := in.String("state"); s != "" {
		loc, err := tfstate.ParseLocation(s)
		if err != nil {
			return inputs.Errorf("state", s, "%v", err)
		}
		if !loc.IsS3() {
			loc.Path = ws.ReadPath(loc.Path)
			if _, err := os.Stat(loc.Path); err != nil {
				return inputs.Errorf("state", s, "does not exist; give a state file or s3://bucket/key")
			}
		}
		cfg.State, cfg.StateInput = loc, "state"
		return nil
	}
	if cfg.Path == "" {
		return inputs.Errorf("path", "", "and `state` are both empty; give the Terraform root (path) or the state (state)")
	}
	dir := ws.ReadPath(cfg.Path)
	b, err := tfstate.ReadBackend(rootFS, fsPath(dir), cfg.Environment)
	if err != nil {
		var nb *tfstate.NoBackendError
		if errors.As(err, &nb) {
			return inputs.Errorf("path", cfg.Path, "has no `backend \"s3\"` block; give the state with the `state` input (a file or s3://bucket/key)")
		}
		return inputs.Errorf("path", cfg.Path, "%s", userPath(err, dir, cfg.Path))
	}
	loc, err := b.Location(cfg.Workspace)
	if err != nil {
		hint := ""
		if cfg.Environment == "" {
			hint = " (no `environment` was given to pick a partial backend config)"
		}
		return inputs.Errorf("path", cfg.Path, "%s%s", userPath(err, dir, cfg.Path), hint)
	}
	cfg.State, cfg.StateInput = loc, "path"
	return nil
}

func readTaskDefinition(path string) (drift.DesiredTaskDefinition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return drift.DesiredTaskDefinition{}, errors.New("cannot be read; give a task-definition JSON file")
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return drift.DesiredTaskDefinition{}, fmt.Errorf("is not JSON: %v", err)
	}
	if td, ok := doc["taskDefinition"].(map[string]any); ok { // describe-task-definition output
		doc = td
	}
	fam, _ := doc["family"].(string)
	if fam == "" {
		return drift.DesiredTaskDefinition{}, errors.New(`has no "family"; it must be a register-task-definition document`)
	}
	if _, ok := doc["containerDefinitions"].([]any); !ok {
		return drift.DesiredTaskDefinition{}, errors.New(`has no "containerDefinitions" list`)
	}
	return drift.DesiredTaskDefinition{Source: filepath.Base(path), Family: fam, Document: doc}, nil
}

func validName(s string) bool {
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// filterObjects keeps the objects the resources filters name. A filter is a
// type or an address glob; an address that matches nothing is a bad input.
func filterObjects(objs []tfstate.Object, filters []string) ([]tfstate.Object, error) {
	if len(filters) == 0 {
		return objs, nil
	}
	matchers := make([]*drift.Ignorer, len(filters))
	for i, f := range filters {
		m, err := drift.NewIgnorer([]string{f})
		if err != nil {
			return nil, inputs.Errorf("resources", f, "%v", err)
		}
		matchers[i] = m
	}
	hit := make([]bool, len(filters))
	var out []tfstate.Object
	for _, o := range objs {
		keep := false
		for i, f := range filters {
			if o.Type == f || matchers[i].Match(o.Address, "") {
				hit[i], keep = true, true
			}
		}
		if keep {
			out = append(out, o)
		}
	}
	for i, f := range filters {
		if hit[i] || !strings.Contains(f, ".") {
			continue
		}
		var types []string
		seen := map[string]bool{}
		for _, o := range objs {
			if !seen[o.Type] {
				seen[o.Type] = true
				types = append(types, o.Type)
			}
		}
		sort.Strings(types)
		return nil, inputs.Errorf("resources", f, "matches no resource in the state; the state has types %s", strings.Join(types, ", "))
	}
	return out, nil
}

// awsClients are the SDK clients: the scan reads through drift's small
// interfaces, remediation writes tags through the same clients.
type awsClients struct {
	ecs         *ecs.Client
	elb         *elb.Client
	ec2         *ec2.Client
	ecr         *ecr.Client
	logs        *cloudwatchlogs.Client
	cw          *cloudwatch.Client
	iam         *iam.Client
	autoscaling *applicationautoscaling.Client
	discovery   *servicediscovery.Client
}

func newClients(cfg aws.Config, getenv func(string) string) *awsClients {
	return &awsClients{
		ecs:         ecs.NewFromConfig(cfg),
		elb:         elb.NewFromConfig(cfg),
		ec2:         ec2.NewFromConfig(cfg),
		ecr:         ecr.NewFromConfig(cfg),
		logs:        cloudwatchlogs.NewFromConfig(cfg),
		cw:          cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(getenv)...),
		iam:         iam.NewFromConfig(cfg),
		autoscaling: applicationautoscaling.NewFromConfig(cfg),
		discovery:   servicediscovery.NewFromConfig(cfg),
	}
}

func (c *awsClients) drift() drift.Clients {
	return drift.Clients{ECS: c.ecs, ELB: c.elb, EC2: c.ec2, ECR: c.ecr, Logs: c.logs, CloudWatch: c.cw,
		IAM: c.iam, Autoscaling: c.autoscaling, Discovery: c.discovery}
}
