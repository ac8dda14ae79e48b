package workflowlint

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ecsflow/ecsflow"
	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/suggest"
)

// ecsflowModule is the module line of an ecsflow checkout's go.mod.
const ecsflowModule = "module github.com/ecsflow/ecsflow"

// selfCheckout is where ecsflow's reusable workflows check ecsflow out in
// the caller's workspace, to run its actions as ./.ecsflow/actions/<name>.
const selfCheckout = ".ecsflow"

// callee is what a `uses:` calls, as far as its inputs go.
type callee struct {
	// name is how messages name it: the uses: value without the ref.
	name   string
	inputs []string
}

// resolver finds the inputs of the actions and reusable workflows a
// workflow calls: local ones (./...) in the repository the workflow belongs
// to; ecsflow's own (ecsflow/ecsflow/...@any ref) in the ecsflow checkout
// the workflow lives in, else in the copies embedded in this binary. Others
// are not resolved (actionlint knows the inputs of popular actions).
type resolver struct {
	embedded fs.FS
	// cache holds the inputs per source and path; nil when unresolved.
	cache map[string]*[]string
}

func newResolver() *resolver {
	return &resolver{embedded: ecsflow.Interface, cache: map[string]*[]string{}}
}

// resolve returns the callee of uses in workflow file, or nil when its
// inputs are not known.
func (r *resolver) resolve(file, uses string) *callee {
	if strings.Contains(uses, "${{") {
		return nil
	}
	if dir := ecsflowCheckout(file); dir != "" && strings.HasPrefix(uses, "./"+selfCheckout+"/") {
		// ecsflow's reusable workflows check ecsflow out at .ecsflow.
		rel := path.Clean(strings.TrimPrefix(uses, "./"+selfCheckout+"/"))
		return r.load(dir, os.DirFS(dir), rel, uses)
	}
	if strings.HasPrefix(uses, "./") {
		root := repoRoot(file)
		if root == "" {
			return nil
		}
		return r.load(root, os.DirFS(root), path.Clean(strings.TrimPrefix(uses, "./")), uses)
	}
	target, _, ok := strings.Cut(uses, "@")
	parts := strings.SplitN(target, "/", 3)
	if !ok || len(parts) < 2 || !strings.EqualFold(parts[0]+"/"+parts[1], "ecsflow/ecsflow") {
		return nil
	}
	rel := "."
	if len(parts) == 3 {
		rel = path.Clean(parts[2])
	}
	if dir := ecsflowCheckout(file); dir != "" {
		return r.load(dir, os.DirFS(dir), rel, target)
	}
	return r.load("", r.embedded, rel, target)
}

// load reads the inputs of the action directory or workflow file at rel in
// src, once per source and path (srcDir names src; "" is the embedded
// copy), and names the callee as the workflow does.
func (r *resolver) load(srcDir string, src fs.FS, rel, name string) *callee {
	key := srcDir + "|" + rel
	inputs, seen := r.cache[key]
	if !seen {
		inputs = readInputs(src, rel)
		r.cache[key] = inputs
	}
	if inputs == nil {
		return nil
	}
	return &callee{name: name, inputs: *inputs}
}

// readInputs returns the declared inputs of an action directory or a
// reusable workflow file, or nil when rel is neither.
func readInputs(src fs.FS, rel string) *[]string {
	if ext := path.Ext(rel); ext == ".yml" || ext == ".yaml" {
		if names, ok := workflowCallInputs(src, rel); ok {
			return &names
		}
		return nil
	}
	for _, f := range []string{"action.yml", "action.yaml"} {
		data, err := fs.ReadFile(src, path.Join(rel, f))
		if err != nil {
			continue
		}
		spec, err := actionspec.Parse(data)
		if err != nil {
			return nil // actionlint reports a broken local action
		}
		names := spec.InputNames()
		return &names
	}
	return nil
}

// workflowCallInputs returns the inputs under on.workflow_call of a
// workflow file; ok is false when it is not a reusable workflow.
func workflowCallInputs(src fs.FS, rel string) (names []string, ok bool) {
	data, err := fs.ReadFile(src, rel)
	if err != nil {
		return nil, false
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil, false
	}
	on := mappingValue(doc.Content[0], "on")
	call := mappingValue(on, "workflow_call")
	if call == nil {
		// on: workflow_call or on: [workflow_call, ...]: reusable, no inputs.
		return nil, on != nil && (on.Value == "workflow_call" || hasScalar(on, "workflow_call"))
	}
	if inputs := mappingValue(call, "inputs"); inputs != nil {
		for i := 0; i+1 < len(inputs.Content); i += 2 {
			names = append(names, inputs.Content[i].Value)
		}
	}
	sort.Strings(names)
	return names, true
}

// mappingValue returns the value of key in mapping n (nil when n is not a
// mapping or lacks the key). A bare `workflow_call:` is an empty mapping.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			if v := n.Content[i+1]; v.Kind != yaml.ScalarNode || v.Tag != "!!null" {
				return v
			}
			return &yaml.Node{Kind: yaml.MappingNode}
		}
	}
	return nil
}

func hasScalar(seq *yaml.Node, v string) bool {
	for _, c := range seq.Content {
		if c.Kind == yaml.ScalarNode && c.Value == v {
			return true
		}
	}
	return false
}

// repoRoot is the repository a workflow file belongs to: the directory
// holding its .github/workflows, or "" for a file elsewhere.
func repoRoot(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return ""
	}
	wf := filepath.Dir(abs)
	gh := filepath.Dir(wf)
	if filepath.Base(wf) != "workflows" || filepath.Base(gh) != ".github" {
		return ""
	}
	return filepath.Dir(gh)
}

// ecsflowCheckout is the repository of the workflow file when it is an
// ecsflow checkout (the repository itself, a fork or a mirror: its go.mod
// is ecsflow's), else "".
func ecsflowCheckout(file string) string {
	root := repoRoot(file)
	if root == "" {
		return ""
	}
	if data, err := os.ReadFile(filepath.Join(root, "go.mod")); err == nil && firstLine(data) == ecsflowModule {
		return root
	}
	return ""
}

func firstLine(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "//") {
			return l
		}
	}
	return ""
}

// unknownInputs reports every `with:` key of a step or of a reusable
// workflow call that the callee does not declare, at the key's line.
func unknownInputs(files []string, r *resolver) ([]Problem, error) {
	var out []Problem
	err := eachWorkflow(files, func(f string, doc *yaml.Node) {
		jobs := mappingValue(doc.Content[0], "jobs")
		if jobs == nil {
			return
		}
		for i := 1; i < len(jobs.Content); i += 2 {
			job := jobs.Content[i]
			out = append(out, checkWith(r, f, job)...)
			if steps := mappingValue(job, "steps"); steps != nil {
				for _, step := range steps.Content {
					out = append(out, checkWith(r, f, step)...)
				}
			}
		}
	})
	return out, err
}

// checkWith checks the with: of a job or step mapping against its uses:.
func checkWith(r *resolver, file string, n *yaml.Node) []Problem {
	uses, with := mappingValue(n, "uses"), mappingValue(n, "with")
	if uses == nil || uses.Kind != yaml.ScalarNode || with == nil || with.Kind != yaml.MappingNode {
		return nil
	}
	c := r.resolve(file, uses.Value)
	if c == nil {
		return nil
	}
	declared := map[string]bool{}
	for _, in := range c.inputs {
		declared[strings.ToLower(in)] = true // input names are case-insensitive
	}
	var out []Problem
	for i := 0; i+1 < len(with.Content); i += 2 {
		key := with.Content[i]
		if declared[strings.ToLower(key.Value)] {
			continue
		}
		out = append(out, Problem{File: displayPath(file), Line: key.Line, Column: key.Column, Kind: "unknown-input", Message: unknownMessage(key.Value, c)})
	}
	return out
}

// displayPath is file relative to the working directory, as actionlint
// reports its paths, so both kinds of problem name a file the same way.
func displayPath(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return file
	}
	wd, err := os.Getwd()
	if err != nil {
		return file
	}
	if rel, err := filepath.Rel(wd, abs); err == nil {
		return rel
	}
	return file
}

func unknownMessage(input string, c *callee) string {
	msg := fmt.Sprintf("unknown input %q for %s;", input, c.name)
	if close := suggest.Close(input, c.inputs); len(close) > 0 {
		quoted := make([]string, len(close))
		for i, n := range close {
			quoted[i] = fmt.Sprintf("%q", n)
		}
		msg += " did you mean " + strings.Join(quoted, " or ") + "?"
	}
	if len(c.inputs) == 0 {
		return msg + " it takes no inputs"
	}
	return msg + " known inputs: " + strings.Join(c.inputs, ", ")
}
