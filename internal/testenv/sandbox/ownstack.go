package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// StackOptions name a team's own Terraform stack for ReadStack and
// SeedStack.
type StackOptions struct {
	// Dir is the Terraform root module.
	Dir string
	// VarFiles are -var-file files, relative to Dir unless absolute
	// (terraform.tfvars and *.auto.tfvars are read as Terraform does).
	VarFiles []string
	// BackendConfig is a -backend-config file (key = value lines),
	// relative to Dir unless absolute; it fills in and overrides the
	// backend block's bucket, key and dynamodb_table.
	BackendConfig string
	// Region to seed in (default the sandbox's).
	Region string
	// LedgerTable, when set, is created as deploy-ecs's ledger table.
	LedgerTable string
}

// typeAliases are the provider's older names of the two ELB types.
var typeAliases = map[string]string{"aws_alb": "aws_lb", "aws_alb_target_group": "aws_lb_target_group"}

// stoodInTypes are resources the sandbox does not create one by one: one
// sandbox VPC with public and private subnets and one security group per
// stack stands in for the network, and one execution role for the roles.
var stoodInTypes = map[string]bool{
	"aws_vpc": true, "aws_subnet": true, "aws_security_group": true, "aws_default_security_group": true,
	"aws_vpc_security_group_ingress_rule": true, "aws_vpc_security_group_egress_rule": true,
	"aws_security_group_rule": true, "aws_iam_role": true, "aws_iam_role_policy": true,
	"aws_iam_role_policy_attachment": true,
}

// StackPlan is what ReadStack found in a stack: the resources SeedStack
// creates and every resource it does not.
type StackPlan struct {
	Dir    string
	Region string
	// StateBucket, StateKey and LockTable come from the backend block and
	// the backend config file.
	StateBucket, StateKey, LockTable string
	// Resources are the instances SeedStack creates, in creation order.
	Resources []*PlannedResource
	// StoodIn are network and IAM resources the sandbox network and
	// execution role stand in for (addresses).
	StoodIn []string
	// Unsupported are resources (and module calls) the seed does not
	// create, each with why.
	Unsupported []string

	known  map[string]map[string]string // address → attribute → value, filled as resources are created
	byAddr map[string]*PlannedResource
}

// PlannedResource is one resource instance of the stack that SeedStack
// creates.
type PlannedResource struct {
	// Type is the canonical resource type (aws_lb for aws_alb).
	Type string
	// Address is the instance's address (aws_ecs_service.this["api"]).
	Address string
	// Key is the instance key in address form (`["api"]`) or "".
	Key  string
	inst *tfparse.Instance
	base string // type.name as written
}

// ReadStack reads a Terraform stack with tfparse, resolving variables,
// var files and locals, and plans what SeedStack creates. Nothing in AWS
// changes.
func ReadStack(o StackOptions) (*StackPlan, error) {
	if o.Dir == "" {
		return nil, errors.New("stack: no Terraform directory given; pass the directory of the stack's root module")
	}
	if fi, err := os.Stat(o.Dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("stack %s: not a directory; pass the directory of the stack's root module", o.Dir)
	}
	var varFiles []string
	for _, f := range o.VarFiles {
		varFiles = append(varFiles, inDir(o.Dir, f))
	}
	tree, err := tfparse.Load([]string{o.Dir}, tfparse.Options{VarFiles: varFiles})
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", o.Dir, err)
	}
	if len(tree.Modules) == 0 {
		return nil, fmt.Errorf("stack %s: no Terraform files found", o.Dir)
	}
	root := tree.Modules[0]
	for _, f := range root.Files {
		if f.Diags.HasErrors() {
			return nil, fmt.Errorf("stack %s: %s", o.Dir, f.Diags.Error())
		}
	}
	p := &StackPlan{Dir: o.Dir, Region: o.Region, known: map[string]map[string]string{}, byAddr: map[string]*PlannedResource{}}
	if err := p.readBackend(root, o); err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, sd := range seeders {
		order[sd.typ] = i
	}
	for _, b := range root.Blocks {
		switch b.Type {
		case "module":
			p.Unsupported = append(p.Unsupported, b.Address()+": resources of called modules are not seeded")
		case "resource":
			typ := b.Labels[0]
			if a, ok := typeAliases[typ]; ok {
				typ = a
			}
			if _, ok := order[typ]; !ok {
				if stoodInTypes[typ] {
					p.StoodIn = append(p.StoodIn, b.Address())
				} else {
					p.Unsupported = append(p.Unsupported, b.Address()+": type "+b.Labels[0]+" is not seeded")
				}
				continue
			}
			for _, inst := range root.Eval.Instances(b) {
				if inst.Key == "" && (b.Attr("for_each") != nil || b.Attr("count") != nil) {
					p.Unsupported = append(p.Unsupported, b.Address()+": its for_each or count is not known before apply")
					break
				}
				r := &PlannedResource{Type: typ, Address: inst.Address(), Key: inst.Key, inst: inst, base: b.Address()}
				p.Resources = append(p.Resources, r)
				p.byAddr[r.Address] = r
			}
		}
	}
	sort.SliceStable(p.Resources, func(i, j int) bool { return order[p.Resources[i].Type] < order[p.Resources[j].Type] })
	return p, nil
}

func inDir(dir, f string) string {
	if filepath.IsAbs(f) {
		return f
	}
	return filepath.Join(dir, f)
}

// readBackend takes bucket, key and dynamodb_table from the s3 backend
// block, then from the backend config file.
func (p *StackPlan) readBackend(root *tfparse.Module, o StackOptions) error {
	for _, tb := range root.BlocksOfType("terraform") {
		for _, be := range tb.Blocks("backend") {
			if be.Name() != "s3" {
				return fmt.Errorf("stack %s: backend %q is not supported; the sandbox seeds an s3 backend", o.Dir, be.Name())
			}
			for _, a := range be.Attrs() {
				s, _ := root.Eval.String(a.Expr)
				p.setBackend(a.Name, s)
			}
		}
	}
	if o.BackendConfig != "" {
		path := inDir(o.Dir, o.BackendConfig)
		src, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("backend config %s: %w", path, err)
		}
		f, diags := hclsyntax.ParseConfig(src, path, hcl.Pos{Line: 1, Column: 1})
		if diags.HasErrors() {
			return fmt.Errorf("backend config %s: %s", path, diags.Error())
		}
		attrs, _ := f.Body.JustAttributes()
		for name, a := range attrs {
			v, d := a.Expr.Value(nil)
			if d.HasErrors() || v.Type() != cty.String {
				continue
			}
			p.setBackend(name, v.AsString())
		}
	}
	if p.StateBucket == "" || p.StateKey == "" {
		return fmt.Errorf("stack %s: the s3 backend names no bucket and key; give them in the backend block or a backend config file (--backend-config)", o.Dir)
	}
	return nil
}

func (p *StackPlan) setBackend(name, v string) {
	switch name {
	case "bucket":
		p.StateBucket = v
	case "key":
		p.StateKey = v
	case "dynamodb_table":
		p.LockTable = v
	case "region":
		if p.Region == "" {
			p.Region = v
		}
	}
}

// OfType returns the planned instances of a type.
func (p *StackPlan) OfType(typ string) []*PlannedResource {
	var out []*PlannedResource
	for _, r := range p.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// learn records an attribute of a planned or created resource, for the
// references of resources created after it.
func (p *StackPlan) learn(r *PlannedResource, attr, v string) {
	m := p.known[r.Address]
	if m == nil {
		m = map[string]string{}
		p.known[r.Address] = m
	}
	m[attr] = v
}

// str resolves an attribute of r to a string: from variables and locals,
// or through a reference to another resource of the stack already learnt.
func (p *StackPlan) str(r *PlannedResource, b *tfparse.Block, name string) (string, bool) {
	if b == nil {
		b = r.inst.Block
	}
	a := b.Attr(name)
	if a == nil {
		return "", false
	}
	return p.strExpr(r, a.Expr)
}

func (p *StackPlan) strExpr(r *PlannedResource, expr hcl.Expression) (string, bool) {
	return tfparse.AsString(r.inst.EvalWith(expr, p.knownValues()))
}

// knownValues renders what is known of the stack's resources as the root
// values a reference reads: aws_ecs_cluster.this.name,
// aws_ecr_repository.app.repository_url, aws_lb_target_group.web["blue"].arn.
func (p *StackPlan) knownValues() map[string]cty.Value {
	types := map[string]map[string]cty.Value{}
	keyed := map[string]map[string]cty.Value{}
	for _, r := range p.Resources {
		attrs := map[string]cty.Value{}
		for k, v := range p.known[r.Address] {
			attrs[k] = cty.StringVal(v)
		}
		obj := cty.ObjectVal(attrs)
		typ, name, _ := strings.Cut(r.base, ".")
		if types[typ] == nil {
			types[typ] = map[string]cty.Value{}
		}
		if r.Key == "" {
			types[typ][name] = obj
			continue
		}
		if keyed[r.base] == nil {
			keyed[r.base] = map[string]cty.Value{}
		}
		keyed[r.base][strings.Trim(r.Key, `[]"`)] = obj
	}
	for base, m := range keyed {
		typ, name, _ := strings.Cut(base, ".")
		types[typ][name] = cty.ObjectVal(m)
	}
	out := make(map[string]cty.Value, len(types))
	for typ, m := range types {
		out[typ] = cty.ObjectVal(m)
	}
	return out
}

// tree evaluates an attribute into plain Go values (see
// tfparse.ValueTree), with references to the stack's resources resolved
// and jsonencode looked through (container definitions).
func (p *StackPlan) tree(r *PlannedResource, expr hcl.Expression) any {
	if x, ok := expr.(*hclsyntax.FunctionCallExpr); ok && x.Name == "jsonencode" && len(x.Args) == 1 {
		expr = x.Args[0]
	}
	// Unknown parts become nil: left out of the JSON a task definition is
	// read from.
	return tfparse.ReplaceUnknown(tfparse.ValueTree(r.inst.EvalWith(expr, p.knownValues())), nil)
}

// num and boolean read a numeric or bool attribute of block b (r's own
// block when nil) with def when it is absent or unknown.
func (r *PlannedResource) num(b *tfparse.Block, name string, def float64) float64 {
	if b == nil {
		b = r.inst.Block
	}
	if a := b.Attr(name); a != nil {
		if f, ok := tfparse.AsNumber(r.inst.Eval(a.Expr)); ok {
			return f
		}
	}
	return def
}

func (r *PlannedResource) boolean(b *tfparse.Block, name string, def bool) bool {
	if b == nil {
		b = r.inst.Block
	}
	if a := b.Attr(name); a != nil {
		if v, ok := tfparse.AsBool(r.inst.Eval(a.Expr)); ok {
			return v
		}
	}
	return def
}

// strings reads a list of strings (unknown elements left out).
func (p *StackPlan) strList(r *PlannedResource, b *tfparse.Block, name string) []string {
	if b == nil {
		b = r.inst.Block
	}
	a := b.Attr(name)
	if a == nil {
		return nil
	}
	var out []string
	v := r.inst.EvalWith(a.Expr, p.knownValues())
	if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if s, ok := tfparse.AsString(e); ok {
			out = append(out, s)
		}
	}
	return out
}

// nested returns the nested blocks of r's block (or of parent) as r has
// them.
func (r *PlannedResource) nested(parent *tfparse.Block, typ string) []*tfparse.Block {
	if parent == nil {
		parent = r.inst.Block
	}
	return r.inst.NestedBlocks(parent, typ)
}
