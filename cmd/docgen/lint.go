package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/inputs"
)

// Problem is one broken convention, with the file and line it was found at.
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// step is the part of a composite or workflow step the checks read.
type step struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	Run  string            `yaml:"run"`
	Uses string            `yaml:"uses"`
	Env  map[string]string `yaml:"env"`
	line int
	// runLine is the line of the run: key, for messages.
	runLine int
}

// Lint checks every action.yml under actions/, the root action.yml and the
// workflows (.github/workflows and examples/*/.github/workflows).
func Lint(fsys fs.FS) ([]Problem, error) {
	actions, err := loadActions(fsys)
	if err != nil {
		return nil, err
	}
	var probs []Problem
	for _, a := range actions {
		probs = append(probs, LintAction(a.Dir+"/action.yml", a.Name, a.Raw)...)
		probs = append(probs, lintReadme(fsys, a)...)
	}
	if raw, err := fs.ReadFile(fsys, "action.yml"); err == nil {
		probs = append(probs, lintRunScripts("action.yml", raw)...)
	}
	var workflows []string
	for _, pattern := range []string{
		".github/workflows/*.yml", ".github/workflows/*.yaml",
		"examples/*/.github/workflows/*.yml", "examples/*/.github/workflows/*.yaml",
	} {
		m, err := fs.Glob(fsys, pattern)
		if err != nil {
			return nil, err
		}
		workflows = append(workflows, m...)
	}
	sort.Strings(workflows)
	for _, w := range workflows {
		raw, err := fs.ReadFile(fsys, w)
		if err != nil {
			return nil, err
		}
		probs = append(probs, lintRunScripts(w, raw)...)
	}
	return probs, nil
}

func lintReadme(fsys fs.FS, a action) []Problem {
	p := a.Dir + "/README.md"
	readme, err := fs.ReadFile(fsys, p)
	if err != nil {
		return []Problem{{File: p, Message: "missing; every action documents itself (copy the generated-table markers from internal/actionspec)"}}
	}
	if _, err := a.Spec.RenderReadme(readme); err != nil {
		return []Problem{{File: p, Message: err.Error()}}
	}
	return nil
}

// LintAction checks one actions/<name>/action.yml against the composite
// action convention (see TEAM.md and docs/adr/0001-packaging.md).
func LintAction(file, name string, raw []byte) []Problem {
	pr := &problems{file: file}
	spec, err := actionspec.Parse(raw)
	if err != nil {
		pr.bad(0, "%v", err)
		return pr.list
	}
	if want := "ecsflow " + name; spec.Name != want {
		pr.bad(0, "name is %q; want %q", spec.Name, want)
	}
	if spec.Description == "" {
		pr.bad(0, "description is empty")
	}
	for _, in := range spec.Inputs {
		if in.Description == "" {
			pr.bad(0, "input %q has no description", in.Name)
		}
	}

	var doc struct {
		Outputs map[string]struct {
			Value string `yaml:"value"`
		} `yaml:"outputs"`
		Runs struct {
			Using string      `yaml:"using"`
			Steps []yaml.Node `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		pr.bad(0, "failed to parse: %v", err)
		return pr.list
	}
	for _, out := range spec.Outputs {
		if out.Description == "" {
			pr.bad(0, "output %q has no description", out.Name)
		}
		want := "${{ steps.run.outputs." + out.Name + " }}"
		if got := strings.TrimSpace(doc.Outputs[out.Name].Value); got != want {
			pr.bad(0, "output %q has value %q; want %q", out.Name, got, want)
		}
	}
	if doc.Runs.Using != "composite" {
		pr.bad(0, "runs.using is %q; want composite", doc.Runs.Using)
		return pr.list
	}

	steps, stepProbs := decodeSteps(file, doc.Runs.Steps)
	pr.list = append(pr.list, stepProbs...)
	if runAt := pr.setupThenRun(name, steps); runAt >= 0 {
		pr.runStep(name, spec, steps[runAt])
	}
	return append(pr.list, lintSteps(file, steps)...)
}

// problems collects the problems found in one file.
type problems struct {
	file string
	list []Problem
}

func (p *problems) bad(line int, format string, args ...any) {
	p.list = append(p.list, Problem{File: p.file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// setupThenRun checks that a step runs setup-binary.sh for the action and
// that the step with id run comes after it; it returns the run step's
// index, -1 when there is none.
func (p *problems) setupThenRun(name string, steps []step) int {
	setupAt, runAt := -1, -1
	for i, s := range steps {
		if setupAt < 0 && strings.Contains(s.Run, "scripts/setup-binary.sh") {
			setupAt = i
			if !strings.Contains(s.Run, "setup-binary.sh\" "+name) && !strings.Contains(s.Run, "setup-binary.sh "+name) {
				p.bad(s.runLine, "setup step must run setup-binary.sh %s", name)
			}
		}
		if s.ID == "run" {
			runAt = i
		}
	}
	if setupAt < 0 {
		p.bad(0, "no setup step runs \"$GITHUB_ACTION_PATH/../../scripts/setup-binary.sh\" %s", name)
	}
	if runAt < 0 {
		p.bad(0, "no step with id: run (the step that runs ecsflow-%s and sets the outputs)", name)
		return -1
	}
	if setupAt > runAt {
		p.bad(steps[runAt].line, "step run comes before the setup step")
	}
	return runAt
}

// runStep checks that the run step runs the action's binary and passes it
// every declared input, and no other INPUT_ variable.
func (p *problems) runStep(name string, spec *actionspec.Spec, rs step) {
	if !strings.Contains(rs.Run, "ecsflow-"+name) {
		p.bad(rs.runLine, "step run does not run ecsflow-%s", name)
	}
	declared := map[string]bool{}
	for _, in := range spec.Inputs {
		env := inputs.EnvName(in.Name)
		declared[env] = true
		want := "${{ inputs." + in.Name + " }}"
		got, ok := rs.Env[env]
		switch {
		case !ok:
			p.bad(rs.line, "input %q is not passed to the binary: add %s: %s to the env of step run", in.Name, env, want)
		case strings.TrimSpace(got) != want:
			p.bad(rs.line, "%s is %q; want %q", env, got, want)
		}
	}
	var extra []string
	for k := range rs.Env {
		if strings.HasPrefix(k, "INPUT_") && !declared[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		p.bad(rs.line, "%s in the env of step run matches no declared input", k)
	}
}

func decodeSteps(file string, nodes []yaml.Node) ([]step, []Problem) {
	var steps []step
	var probs []Problem
	for i := range nodes {
		n := &nodes[i]
		var s step
		if err := n.Decode(&s); err != nil {
			probs = append(probs, Problem{File: file, Line: n.Line, Message: fmt.Sprintf("step: %v", err)})
			continue
		}
		s.line = n.Line
		s.runLine = n.Line
		if n.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == "run" {
					s.runLine = n.Content[j+1].Line
				}
			}
		}
		steps = append(steps, s)
	}
	return steps, probs
}

// lintSteps refuses ${{ }} inside run: scripts: an expression is pasted into
// the script before the shell sees it, so a branch name or PR title can
// inject commands. Values go through env: instead.
func lintSteps(file string, steps []step) []Problem {
	var probs []Problem
	for _, s := range steps {
		if strings.Contains(s.Run, "${{") {
			probs = append(probs, Problem{File: file, Line: s.runLine,
				Message: "run: script contains ${{ }}; pass the value through env: and use \"$VAR\" in the script"})
		}
		if msg := unpinned(s.Uses); msg != "" {
			probs = append(probs, Problem{File: file, Line: s.line, Message: msg})
		}
	}
	return probs
}

// lintRunScripts applies lintSteps to every step of a workflow (jobs.*.steps)
// or of a composite action (runs.steps).
func lintRunScripts(file string, raw []byte) []Problem {
	var doc struct {
		Jobs map[string]struct {
			Uses  string      `yaml:"uses"`
			Steps []yaml.Node `yaml:"steps"`
		} `yaml:"jobs"`
		Runs struct {
			Steps []yaml.Node `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(raw)).Decode(&doc); err != nil {
		return []Problem{{File: file, Message: fmt.Sprintf("failed to parse: %v", err)}}
	}
	var probs []Problem
	steps, p := decodeSteps(file, doc.Runs.Steps)
	probs = append(probs, p...)
	probs = append(probs, lintSteps(file, steps)...)
	jobs := make([]string, 0, len(doc.Jobs))
	for j := range doc.Jobs {
		jobs = append(jobs, j)
	}
	sort.Strings(jobs)
	for _, j := range jobs {
		steps, p := decodeSteps(file, doc.Jobs[j].Steps)
		probs = append(probs, p...)
		probs = append(probs, lintSteps(file, steps)...)
		if msg := unpinned(doc.Jobs[j].Uses); msg != "" {
			probs = append(probs, Problem{File: file, Message: "job " + j + ": " + msg})
		}
	}
	return probs
}

var pinnedRE = regexp.MustCompile(`@[0-9a-f]{40}$`)

// unpinned says why a `uses:` reference of a third-party action or
// reusable workflow is not pinned by full commit SHA ("" when it is fine).
// Local paths, docker:// images with a digest and ecsflow's own references
// (whose pin per environment is the caller's choice) are exempt.
func unpinned(uses string) string {
	uses = strings.TrimSpace(uses)
	switch {
	case uses == "", strings.HasPrefix(uses, "./"), strings.HasPrefix(uses, "ecsflow/ecsflow"):
		return ""
	case strings.HasPrefix(uses, "docker://"):
		if strings.Contains(uses, "@sha256:") {
			return ""
		}
		return "uses " + uses + ": pin the image by digest (docker://image@sha256:...)"
	case pinnedRE.MatchString(uses):
		return ""
	}
	return "uses " + uses + ": pin third-party actions by full 40-character commit SHA, with the version in a comment"
}
