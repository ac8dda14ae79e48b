// Package validate is the validate action: it reads its inputs, loads the
// Terraform roots, task-definition files, plan and workflows, runs the rule
// catalogue, and reports the findings as annotations, a job summary grouped
// by severity, a JSON report, SARIF 2.1.0 and (optionally) one pull-request
// comment that is updated on every push.
package validate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/planjson"
	"github.com/ecsflow/ecsflow/internal/rules"
	"github.com/ecsflow/ecsflow/internal/tfparse"
	"github.com/ecsflow/ecsflow/internal/workflowlint"
)

// Deps are the dependencies Run uses; zero values mean the real ones.
type Deps struct {
	// HTTPClient talks to the GitHub REST API (PR comments).
	HTTPClient *http.Client
	// APIURL is the GitHub API base (default $GITHUB_API_URL or
	// https://api.github.com).
	APIURL string
	// Shellcheck is passed to workflowlint ("off" disables it).
	Shellcheck string
	// Workspace is the repository root (default $GITHUB_WORKSPACE or the
	// working directory); workflows are read from its .github/workflows.
	Workspace string
}

// roots are where validate may write: the workspace (opts.Workspace) and
// the runner's temp directory.
func (o Deps) roots(env *cli.Env) outfile.Roots {
	r := outfile.FromEnv(env.Getenv)
	if o.Workspace != "" {
		r.Workspace = o.Workspace
	}
	return r
}

// Config is the parsed inputs.
type Config struct {
	Roots      []string
	VarFiles   []string
	TaskDefs   []string
	PlanFile   string
	ConfigFile string
	// ProjectFile is the ecsflow.yaml to check ("" when there is none).
	ProjectFile string
	FailOn      string
	SARIFFile   string
	ReportFile  string
	Comment     bool
	Token       string
	// Policies are the org policies to evaluate (none by default).
	Policies PolicySettings
}

// ParseConfig reads and checks every input before anything is done. File
// inputs are taken from the workspace (GITHUB_WORKSPACE; outside Actions
// the working directory), as outfile.ReadRule says.
func ParseConfig(in *inputs.Inputs, getenv func(string) string) (*Config, error) {
	return parseConfig(in, outfile.FromEnv(getenv))
}

func parseConfig(in *inputs.Inputs, ws outfile.Roots) (*Config, error) {
	s := &Config{}
	var err error
	if s.FailOn, err = in.Enum("fail-on", "error", "warning", "note", "never"); err != nil {
		return nil, err
	}
	paths := in.List("path")
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, p := range paths {
		dirs, err := expand(ws, "path", p, true, "Terraform root directories")
		if err != nil {
			return nil, err
		}
		s.Roots = append(s.Roots, dirs...)
	}
	for _, vf := range in.List("var-files") {
		f, err := inWorkspace(ws, "var-files", vf, false, ".tfvars or .tfvars.json files")
		if err != nil {
			return nil, err
		}
		s.VarFiles = append(s.VarFiles, f)
	}
	for _, pat := range in.List("task-definitions") {
		files, err := expand(ws, "task-definitions", pat, false, "task-definition JSON files or a glob such as task-definitions/*.json")
		if err != nil {
			return nil, err
		}
		s.TaskDefs = append(s.TaskDefs, files...)
	}
	if p := in.String("plan-json"); p != "" {
		if s.PlanFile, err = inWorkspace(ws, "plan-json", p, false, "the output of terraform show -json tfplan > plan.json"); err != nil {
			return nil, err
		}
	}
	if p := in.String("config"); p != "" {
		if s.ConfigFile, err = inWorkspace(ws, "config", p, false, "a rule settings YAML file"); err != nil {
			return nil, err
		}
	}
	if s.ProjectFile, err = projectFile(in, ws); err != nil {
		return nil, err
	}
	if s.Policies, err = parsePolicyInputs(in, ws); err != nil {
		return nil, err
	}
	s.SARIFFile = in.String("sarif-file")
	if s.SARIFFile != "" {
		if st, err := os.Stat(s.SARIFFile); strings.HasSuffix(s.SARIFFile, "/") || (err == nil && st.IsDir()) {
			return nil, inputs.Errorf("sarif-file", s.SARIFFile, "is a directory; give a file name such as validate.sarif")
		}
		s.ReportFile = strings.TrimSuffix(s.SARIFFile, filepath.Ext(s.SARIFFile)) + ".report.json"
	} else {
		s.ReportFile = "validate.report.json"
	}
	if s.Comment, err = in.Bool("comment"); err != nil {
		return nil, err
	}
	s.Token = in.String("github-token")
	if s.Comment && s.Token == "" {
		return nil, inputs.Errorf("github-token", "", "is required when comment is true; pass github-token: ${{ github.token }} with pull-requests: write permission")
	}
	return s, nil
}

// workspaceRelative shows an absolute path inside the working directory
// relative to it: annotations and SARIF locations must be relative to the
// repository root, where the action runs.
func workspaceRelative(p string) string {
	if !filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return rel
	}
	return p
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func hasGlob(p string) bool { return strings.ContainsAny(p, "*?[{") }

// inWorkspace returns where the file (or, with dir, the directory) an
// input names is read from, or an input error saying where it was looked
// for and what to give.
func inWorkspace(ws outfile.Roots, input, p string, dir bool, give string) (string, error) {
	full := ws.ReadPath(p)
	st, err := os.Stat(full)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", inputs.Errorf(input, p, "does not exist (looked for %s); give %s, %s", full, give, outfile.ReadRule)
	case err != nil:
		return "", inputs.Errorf(input, p, "cannot be read (looked for %s: %v); give %s, %s", full, unwrapPathErr(err), give, outfile.ReadRule)
	case dir && !st.IsDir():
		return "", inputs.Errorf(input, p, "is not a directory (looked for %s); give %s", full, give)
	case !dir && st.IsDir():
		return "", inputs.Errorf(input, p, "is a directory (looked for %s); give %s", full, give)
	}
	return workspaceRelative(full), nil
}

// expand resolves one entry of a list input: a file (or, with dir, a
// directory) or a doublestar glob of them, taken from the workspace.
func expand(ws outfile.Roots, input, p string, dir bool, give string) ([]string, error) {
	if !hasGlob(p) {
		f, err := inWorkspace(ws, input, p, dir, give)
		if err != nil {
			return nil, err
		}
		return []string{f}, nil
	}
	full := ws.ReadPath(p)
	matches, err := doublestar.FilepathGlob(full)
	if err != nil {
		return nil, inputs.Errorf(input, p, "is not a valid glob: %v", err)
	}
	var out []string
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.IsDir() == dir {
			out = append(out, workspaceRelative(m))
		}
	}
	if len(out) == 0 {
		kind := "file"
		if dir {
			kind = "directory"
		}
		base, _ := doublestar.SplitPattern(filepath.ToSlash(full))
		return nil, inputs.Errorf(input, p, "matches no %s (looked in %s); give %s, %s", kind, filepath.FromSlash(base), give, outfile.ReadRule)
	}
	return out, nil
}

// Outcome is what a run found.
type Outcome struct {
	Result rules.Result
	Plan   *planjson.Plan
	Cost   *planjson.CostDelta
	Files  int
	Took   time.Duration
	// EmptyRoots are roots without any .tf or .tf.json file.
	EmptyRoots []string
}

// Analyse loads everything the settings name and runs the rules. Bad input
// discovered while reading (a var file or plan that does not parse, a config
// with an unknown rule) is an *inputs.Error.
func Analyse(ctx context.Context, s *Config, opts Deps) (*Outcome, error) {
	start := time.Now()
	in := rules.Input{VarFiles: s.VarFiles, Root: opts.Workspace}
	if err := readInputFiles(s, opts.Workspace, &in); err != nil {
		return nil, err
	}
	engine, err := newPolicyEngine(s.Policies)
	if err != nil {
		return nil, err
	}
	tree, err := tfparse.Load(s.Roots, tfparse.Options{VarFiles: s.VarFiles})
	if err != nil {
		var vfe *tfparse.VarFileError
		if errors.As(err, &vfe) {
			return nil, inputs.Errorf("var-files", vfe.Path, "%v", vfe.Err)
		}
		return nil, fmt.Errorf("failed to load the Terraform configuration: %w", err)
	}
	in.Tree = tree
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ws := opts.Workspace
	if err := lintWorkflows(ws, opts.Shellcheck, &in); err != nil {
		return nil, err
	}
	out := &Outcome{Result: rules.Run(in), Plan: in.Plan, Files: len(tree.Files()) + len(in.TaskDefs) + boolInt(in.Project != nil)}
	if err := applyPolicies(ctx, engine, in, ws, &out.Result); err != nil {
		return nil, err
	}
	for _, m := range tree.Modules {
		if m.Root && len(m.Files) == 0 {
			out.EmptyRoots = append(out.EmptyRoots, m.Dir)
		}
	}
	if in.Plan != nil {
		cd := in.Plan.FargateCost()
		out.Cost = &cd
	}
	out.Took = time.Since(start)
	return out, nil
}

// readInputFiles reads the files the inputs name (config, plan-json,
// task-definitions, ecsflow-config) into in; an unreadable or invalid file
// is an error naming its input.
func readInputFiles(s *Config, workspace string, in *rules.Input) error {
	if s.ConfigFile != "" {
		data, err := os.ReadFile(s.ConfigFile)
		if err != nil {
			return inputs.Errorf("config", s.ConfigFile, "cannot be read: %v", unwrapPathErr(err))
		}
		cfg, err := rules.ParseConfig(data)
		if err != nil {
			return inputs.Errorf("config", s.ConfigFile, "%v", err)
		}
		in.Config = cfg
	}
	if s.PlanFile != "" {
		data, err := os.ReadFile(s.PlanFile)
		if err != nil {
			return inputs.Errorf("plan-json", s.PlanFile, "cannot be read: %v", unwrapPathErr(err))
		}
		p, err := planjson.Parse(data)
		if err != nil {
			return inputs.Errorf("plan-json", s.PlanFile, "%v", err)
		}
		in.Plan, in.PlanFile, in.PlanSrc = p, s.PlanFile, data
	}
	for _, p := range s.TaskDefs {
		data, err := os.ReadFile(p)
		if err != nil {
			return inputs.Errorf("task-definitions", p, "cannot be read: %v", unwrapPathErr(err))
		}
		in.TaskDefs = append(in.TaskDefs, rules.TaskDefFile{Path: p, Src: data})
	}
	if s.ProjectFile != "" {
		pf, err := readProjectFile(s.ProjectFile, workspace)
		if err != nil {
			return err
		}
		in.Project = pf
	}
	return nil
}

// lintWorkflows lints the workspace's workflow files and finds their
// unpinned uses: into in.
func lintWorkflows(ws, shellcheck string, in *rules.Input) error {
	wfs, err := workflowlint.WorkflowFiles(ws)
	if err != nil || len(wfs) == 0 {
		return nil
	}
	for i, f := range wfs {
		wfs[i] = workspaceRelative(f)
	}
	probs, err := workflowlint.Lint(wfs, workflowlint.Options{Shellcheck: shellcheck})
	if err != nil {
		return fmt.Errorf("failed to lint workflows: %w", err)
	}
	in.Workflows = probs
	pins, err := workflowlint.Unpinned(wfs)
	if err != nil {
		return fmt.Errorf("failed to read workflows: %w", err)
	}
	in.WorkflowPins = pins
	return nil
}

// Run is the validate action: ParseConfig reads the inputs without any AWS
// call, then it analyses the stack, writes the reports, outputs and
// summary, and comments on the pull request.
func Run(ctx context.Context, env *cli.Env, opts Deps) error {
	if opts.Workspace == "" {
		opts.Workspace = env.Getenv("GITHUB_WORKSPACE")
	}
	if opts.Workspace == "" {
		opts.Workspace = "."
	}
	s, err := parseConfig(env.Inputs, opts.roots(env))
	if err != nil {
		return err
	}
	if s.Token != "" {
		env.Console.Mask(s.Token)
	}
	// Where the files go is checked with the inputs, before any work; the
	// report's place follows sarif-file, so that input is named.
	for _, f := range []string{s.SARIFFile, s.ReportFile} {
		if f == "" {
			continue
		}
		if _, err := opts.roots(env).Resolve(f); err != nil {
			return inputs.Errorf("sarif-file", s.SARIFFile, "%v", err)
		}
	}
	out, err := Analyse(ctx, s, opts)
	if err != nil {
		return err
	}
	for _, d := range out.EmptyRoots {
		env.Console.Warningf("path %s holds no .tf or .tf.json file; give Terraform root directories (globs such as infra/*/ work)", d)
	}
	rep := NewReport(out, s)
	if err := rep.emit(ctx, env, s, opts); err != nil {
		return err
	}
	threshold := map[string]rules.Severity{"error": rules.Error, "warning": rules.Warning, "note": rules.Note}[s.FailOn]
	if threshold == 0 {
		return nil
	}
	n := 0
	for _, f := range out.Result.Findings {
		if f.Severity >= threshold {
			n++
		}
	}
	if n > 0 {
		return exitcode.Negativef("%d finding(s) at or above %s (fail-on: %s); see the annotations and the job summary", n, s.FailOn, s.FailOn)
	}
	return nil
}
