package validate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ecsflow/ecsflow"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/policy"
	"github.com/ecsflow/ecsflow/internal/rules"
	"github.com/ecsflow/ecsflow/internal/workflowlint"
)

// BuiltinPolicies is the policies entry that selects the library shipped
// in the binary (policies/ in the repository).
const BuiltinPolicies = "@builtin"

// builtinNamespace is the package prefix of the built-in library, evaluated
// whenever it is loaded whatever policy-namespace says.
const builtinNamespace = "ecsflow"

// PolicySettings are the parsed policy inputs.
type PolicySettings struct {
	// Dirs are directories of .rego files, Builtin the built-in library.
	Dirs    []string
	Builtin bool
	// DataFiles are JSON or YAML files merged into data.
	DataFiles []string
	// Namespaces are the packages evaluated (default main; * for all).
	Namespaces []string
}

// Enabled reports whether any policy is to be evaluated.
func (p PolicySettings) Enabled() bool { return p.Builtin || len(p.Dirs) > 0 }

var packageRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// parsePolicyInputs checks policies, policy-data and policy-namespace.
func parsePolicyInputs(in *inputs.Inputs, ws outfile.Roots) (PolicySettings, error) {
	var p PolicySettings
	for _, d := range in.List("policies") {
		if d == BuiltinPolicies {
			p.Builtin = true
			continue
		}
		dir, err := inWorkspace(ws, "policies", d, true, "directories of .rego files, or "+BuiltinPolicies+" for the built-in library")
		if err != nil {
			return p, err
		}
		p.Dirs = append(p.Dirs, dir)
	}
	for _, f := range in.List("policy-data") {
		ext := strings.ToLower(filepath.Ext(f))
		if ext != ".json" && ext != ".yaml" && ext != ".yml" {
			return p, inputs.Errorf("policy-data", f, "is not a .json, .yaml or .yml file")
		}
		file, err := inWorkspace(ws, "policy-data", f, false, "JSON or YAML files")
		if err != nil {
			return p, err
		}
		p.DataFiles = append(p.DataFiles, file)
	}
	p.Namespaces = in.List("policy-namespace")
	if len(p.Namespaces) == 0 {
		p.Namespaces = []string{"main"}
	}
	for _, n := range p.Namespaces {
		if n != "*" && !packageRE.MatchString(n) {
			return p, inputs.Errorf("policy-namespace", n, "is not a Rego package name; give names such as main or org.ecs, or * for every package")
		}
	}
	if len(p.DataFiles) > 0 && !p.Enabled() {
		return p, inputs.Errorf("policy-data", strings.Join(p.DataFiles, ", "), "is given without policies; name policy directories (or %s) in policies", BuiltinPolicies)
	}
	return p, nil
}

// newPolicyEngine reads the data files and compiles the policies (nil
// when none are given). A policy that does not compile is an input error
// naming its file and line.
func newPolicyEngine(p PolicySettings) (*policy.Engine, error) {
	if !p.Enabled() {
		return nil, nil
	}
	data := map[string]any{}
	for _, f := range p.DataFiles {
		doc, err := readPolicyData(f)
		if err != nil {
			return nil, inputs.Errorf("policy-data", f, "%v", err)
		}
		mergeData(data, doc)
	}
	var srcs []policy.Source
	opts := policy.Options{Namespaces: p.Namespaces, Data: data}
	if p.Builtin {
		srcs = append(srcs, policy.Source{Name: BuiltinPolicies, FS: ecsflow.Policies})
		opts.Always = []string{builtinNamespace}
	}
	for _, d := range p.Dirs {
		srcs = append(srcs, policy.Source{Name: d, FS: os.DirFS(d)})
	}
	e, err := policy.New(srcs, opts)
	if err != nil {
		return nil, policyError(err)
	}
	return e, nil
}

func policyError(err error) error {
	var pe *policy.Error
	if errors.As(err, &pe) {
		return inputs.Errorf("policies", pe.File, "%v", pe)
	}
	return err
}

func readPolicyData(f string) (map[string]any, error) {
	src, err := os.ReadFile(f)
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %v", unwrapPathErr(err))
	}
	var doc map[string]any
	if strings.EqualFold(filepath.Ext(f), ".json") {
		err = json.Unmarshal(src, &doc)
	} else {
		err = yaml.Unmarshal(src, &doc)
	}
	if err != nil {
		return nil, fmt.Errorf("is not a JSON or YAML object: %v", err)
	}
	return doc, nil
}

// mergeData merges src into dst: objects key by key, anything else from
// the later file.
func mergeData(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeData(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// applyPolicies adds the findings of the policies (if any) to res, with
// the config's settings and ignores and the inline ecsflow:ignore
// comments applied as to every other finding.
func applyPolicies(ctx context.Context, e *policy.Engine, in rules.Input, workspace string, res *rules.Result) error {
	if e == nil {
		return nil
	}
	found, err := policyFindings(ctx, e, policyInput(in, workspace))
	if err != nil {
		return err
	}
	rules.AddFindings(in, res, found)
	return nil
}

// policyFindings evaluates the policies and turns their results into
// findings located on the resource's line when a result names one.
func policyFindings(ctx context.Context, e *policy.Engine, in *policy.Input) ([]rules.Finding, error) {
	res, err := e.Eval(ctx, in)
	if err != nil {
		return nil, policyError(err)
	}
	out := make([]rules.Finding, 0, len(res))
	for _, r := range res {
		f := rules.Finding{
			RuleID:   "policy/" + r.Package + "/" + r.Rule,
			Severity: rules.Error,
			Title:    "policy " + r.Package + "." + r.Rule,
			Message:  r.Msg,
			Resource: r.Resource,
			File:     r.File,
			Line:     r.Line,
		}
		if r.Kind == policy.Warn {
			f.Severity = rules.Warning
		}
		if r.Severity != "" {
			sev, err := rules.ParseSeverity(r.Severity)
			if err != nil {
				return nil, inputs.Errorf("policies", "", "data.%s.%s gave severity %q: %v", r.Package, r.Rule, r.Severity, err)
			}
			f.Severity = sev
		}
		if file, line, ok := in.Locate(r.Resource); ok && f.File == "" {
			f.File, f.Line = file, line
		}
		out = append(out, f)
	}
	return out, nil
}

// policyInput builds what policies read from what the rules read, plus the
// workflow files of the workspace.
func policyInput(in rules.Input, workspace string) *policy.Input {
	src := policy.Sources{Tree: in.Tree, VarFiles: in.VarFiles, Plan: in.Plan, PlanSrc: in.PlanSrc, PlanFile: in.PlanFile,
		TaskDefs: map[string][]byte{}, Workflows: map[string][]byte{}}
	for _, td := range in.TaskDefs {
		src.TaskDefs[td.Path] = td.Src
	}
	if wfs, err := workflowlint.WorkflowFiles(workspace); err == nil {
		for _, f := range wfs {
			if b, err := os.ReadFile(f); err == nil {
				src.Workflows[workspaceRelative(f)] = b
			}
		}
	}
	return policy.BuildInput(src)
}
