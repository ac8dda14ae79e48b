package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"gopkg.in/yaml.v3"

	"github.com/ecsflow/ecsflow/internal/planjson"
	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// Input is the document policies read as input. docs/policies.md
// describes it field by field; change both together.
type Input struct {
	// Environment is the environment checked ("dev", "staging", "prod",
	// or "" when it cannot be told); see environmentOf.
	Environment string `json:"environment"`
	// Terraform is the parsed configuration.
	Terraform Terraform `json:"terraform"`
	// Plan is the plan JSON as terraform show -json wrote it (nil without
	// plan-json).
	Plan any `json:"plan"`
	// PlanFile is the plan-json path ("" without it).
	PlanFile string `json:"plan_file"`
	// Cost is the plan's monthly Fargate cost delta (nil without plan-json).
	Cost *planjson.CostDelta `json:"cost"`
	// TaskDefinitions are the task-definition files.
	TaskDefinitions []TaskDefinition `json:"task_definitions"`
	// Workflows are the repository's workflow files.
	Workflows []Workflow `json:"workflows"`

	where map[string]Resource
}

// Terraform is the configuration as policies see it.
type Terraform struct {
	Resources []Resource `json:"resources"`
	Providers []Provider `json:"providers"`
	Backends  []Backend  `json:"backends"`
}

// Provider is one provider block (default_tags and the like).
type Provider struct {
	Name       string         `json:"name"`
	Alias      string         `json:"alias"`
	Module     string         `json:"module"`
	File       string         `json:"file"`
	Line       int            `json:"line"`
	Attributes map[string]any `json:"attributes"`
}

// Resource is one resource or data source instance with its attributes
// resolved as far as the configuration allows (unknown values are the
// string tfparse.UnknownText); nested blocks are lists of objects under
// the block's type.
type Resource struct {
	Address    string         `json:"address"`
	Mode       string         `json:"mode"`
	Type       string         `json:"type"`
	Name       string         `json:"name"`
	Module     string         `json:"module"`
	File       string         `json:"file"`
	Line       int            `json:"line"`
	Attributes map[string]any `json:"attributes"`
}

// Backend is a root module's terraform { backend "..." } block, with the
// partial configuration files (*.tfbackend beside it or in backend/).
type Backend struct {
	Type       string         `json:"type"`
	Module     string         `json:"module"`
	File       string         `json:"file"`
	Line       int            `json:"line"`
	Attributes map[string]any `json:"attributes"`
	Files      []BackendFile  `json:"files"`
}

// BackendFile is one *.tfbackend file.
type BackendFile struct {
	File       string         `json:"file"`
	Attributes map[string]any `json:"attributes"`
}

// TaskDefinition is one task-definition file; Definition is nil when the
// file is not JSON (a rule reports that).
type TaskDefinition struct {
	File       string `json:"file"`
	Definition any    `json:"definition"`
}

// Workflow is one workflow file; Workflow is nil when it is not YAML.
type Workflow struct {
	File     string `json:"file"`
	Workflow any    `json:"workflow"`
}

// Sources are what BuildInput reads.
type Sources struct {
	Tree      *tfparse.Tree
	VarFiles  []string
	Plan      *planjson.Plan
	PlanSrc   []byte
	PlanFile  string
	TaskDefs  map[string][]byte
	Workflows map[string][]byte
	// ReadFile reads *.tfbackend files (os.ReadFile when nil).
	ReadFile func(string) ([]byte, error)
}

// BuildInput assembles the input document.
func BuildInput(s Sources) *Input {
	in := &Input{Environment: environmentOf(s.Tree, s.VarFiles), where: map[string]Resource{}}
	in.Terraform = terraformOf(s.Tree, s.ReadFile)
	for _, r := range in.Terraform.Resources {
		if _, ok := in.where[r.Address]; !ok {
			in.where[r.Address] = r
		}
	}
	if s.Plan != nil {
		var raw any
		if json.Unmarshal(s.PlanSrc, &raw) == nil {
			in.Plan = raw
		}
		in.PlanFile = s.PlanFile
		cd := s.Plan.FargateCost()
		in.Cost = &cd
	}
	for _, f := range sortedKeys(s.TaskDefs) {
		td := TaskDefinition{File: f}
		_ = json.Unmarshal(s.TaskDefs[f], &td.Definition)
		in.TaskDefinitions = append(in.TaskDefinitions, td)
	}
	for _, f := range sortedKeys(s.Workflows) {
		wf := Workflow{File: f}
		var doc map[string]any
		if yaml.Unmarshal(s.Workflows[f], &doc) == nil {
			wf.Workflow = doc
		}
		in.Workflows = append(in.Workflows, wf)
	}
	return in
}

// Locate returns where the resource with the given address is declared.
func (in *Input) Locate(address string) (file string, line int, ok bool) {
	r, ok := in.where[address]
	return r.File, r.Line, ok
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// environmentOf names the environment the way the rules recognise
// production: a root variable environment, env or stage, else a var file
// named after it (prod.tfvars, environments/dev.tfvars).
func environmentOf(t *tfparse.Tree, varFiles []string) string {
	if t != nil {
		for _, m := range t.Modules {
			if !m.Root {
				continue
			}
			for _, name := range []string{"environment", "env", "stage"} {
				if _, ok := m.Variables[name]; !ok {
					continue
				}
				if s, ok := tfparse.ValueTree(m.Eval.VarValue(name)).(string); ok && s != "" && !tfparse.HasUnknown(s) {
					return strings.ToLower(s)
				}
			}
		}
	}
	for i := len(varFiles) - 1; i >= 0; i-- {
		base := strings.ToLower(filepath.Base(varFiles[i]))
		for _, env := range []string{"prod", "production", "staging", "stage", "dev", "test"} {
			if strings.HasPrefix(base, env+".") || strings.Contains(base, "-"+env+".") || strings.Contains(base, "_"+env+".") {
				return env
			}
		}
	}
	return ""
}

func terraformOf(t *tfparse.Tree, read func(string) ([]byte, error)) Terraform {
	tf := Terraform{Resources: []Resource{}, Providers: []Provider{}, Backends: []Backend{}}
	if t == nil {
		return tf
	}
	for _, m := range t.Modules {
		for _, b := range m.Blocks {
			switch {
			case (b.Type == "resource" || b.Type == "data") && len(b.Labels) == 2:
				tf.Resources = append(tf.Resources, resourcesOf(m, b)...)
			case b.Type == "provider" && len(b.Labels) == 1:
				attrs := attributesOf(m.Eval.Tree, b)
				alias, _ := attrs["alias"].(string)
				tf.Providers = append(tf.Providers, Provider{
					Name: b.Labels[0], Alias: alias, Module: m.Dir,
					File: b.File.Path, Line: b.DefRange.Start.Line, Attributes: attrs,
				})
			case b.Type == "terraform" && m.Root:
				for _, bb := range b.Blocks("backend") {
					tf.Backends = append(tf.Backends, backendOf(m, bb, read))
				}
			}
		}
	}
	return tf
}

func resourcesOf(m *tfparse.Module, b *tfparse.Block) []Resource {
	mode := "managed"
	if b.Type == "data" {
		mode = "data"
	}
	var out []Resource
	for _, inst := range m.Eval.Instances(b) {
		out = append(out, Resource{
			Address: inst.Address(), Mode: mode, Type: b.Labels[0], Name: b.Labels[1],
			Module: m.Dir, File: b.File.Path, Line: b.DefRange.Start.Line,
			Attributes: attributesOf(inst.Tree, b),
		})
	}
	return out
}

// attributesOf resolves a block's attributes and, recursively, its nested
// blocks (dynamic blocks contribute their content).
func attributesOf(tree func(hcl.Expression) any, b *tfparse.Block) map[string]any {
	out := map[string]any{}
	for _, a := range b.Attrs() {
		if b.Parent == nil && metaArguments[a.Name] {
			continue
		}
		out[a.Name] = plain(tree(a.Expr))
	}
	types := map[string]bool{}
	for _, nb := range b.AllBlocks() {
		typ := nb.Type
		if typ == "dynamic" && len(nb.Labels) == 1 {
			typ = nb.Labels[0]
		}
		types[typ] = true
	}
	for typ := range types {
		var list []any
		for _, nb := range b.Blocks(typ) {
			if nb.Dynamic && emptyCollection(tree, nb) {
				continue
			}
			list = append(list, attributesOf(tree, nb))
		}
		if list == nil {
			continue
		}
		out[typ] = list
	}
	return out
}

// metaArguments are Terraform's, not the resource's, and left out.
var metaArguments = map[string]bool{"count": true, "for_each": true, "depends_on": true, "provider": true}

// emptyCollection holds for a dynamic block whose for_each is known to be
// empty: it generates no block. A non-empty one is shown once, with its
// iterator's values unknown.
func emptyCollection(tree func(hcl.Expression) any, b *tfparse.Block) bool {
	if b.ForEach == nil {
		return false
	}
	switch v := tree(b.ForEach).(type) {
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

// plain replaces tfparse.Unknown with tfparse.UnknownText so the tree is
// plain JSON.
func plain(v any) any { return tfparse.ReplaceUnknown(v, tfparse.UnknownText) }

func backendOf(m *tfparse.Module, b *tfparse.Block, read func(string) ([]byte, error)) Backend {
	be := Backend{
		Type: b.Name(), Module: m.Dir, File: b.File.Path, Line: b.DefRange.Start.Line,
		Attributes: attributesOf(m.Eval.Tree, b), Files: []BackendFile{},
	}
	if read == nil {
		read = os.ReadFile
	}
	for _, d := range []string{m.Dir, filepath.Join(m.Dir, "backend")} {
		files, _ := filepath.Glob(filepath.Join(d, "*.tfbackend"))
		for _, f := range files {
			src, err := read(f)
			if err != nil {
				continue
			}
			be.Files = append(be.Files, BackendFile{File: f, Attributes: literalAttributes(f, src)})
		}
	}
	return be
}

// literalAttributes reads a *.tfbackend file: attributes with literal
// values (what terraform init -backend-config accepts).
func literalAttributes(name string, src []byte) map[string]any {
	out := map[string]any{}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		return out
	}
	attrs, _ := f.Body.JustAttributes()
	for k, a := range attrs {
		v, d := a.Expr.Value(nil)
		if !d.HasErrors() {
			out[k] = plain(tfparse.ValueTree(v))
		}
	}
	return out
}
