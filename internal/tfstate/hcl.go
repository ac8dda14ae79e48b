package tfstate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// NoBackendError says that a Terraform root declares no s3 backend, so the
// state location must be given explicitly.
type NoBackendError struct{ Dir string }

// Error says which root lacks the backend.
func (e *NoBackendError) Error() string {
	return fmt.Sprintf("no `backend \"s3\"` block in the *.tf files of %s", e.Dir)
}

// Backend is the s3 backend configuration of a root, merged with the
// partial configuration file of the environment.
type Backend struct {
	Bucket             string
	Key                string
	Region             string
	WorkspaceKeyPrefix string
	// Sources lists the files the values came from.
	Sources []string
}

// BackendConfigCandidates are where partial backend configuration for an
// environment is looked for, relative to the root, in order. "%s" is the
// environment name.
var BackendConfigCandidates = []string{
	"backend/%s.s3.tfbackend",
	"backend/%s.tfbackend",
	"backend/%s.hcl",
	"backends/%s.s3.tfbackend",
	"backends/%s.tfbackend",
	"environments/%s.s3.tfbackend",
	"environments/%s.tfbackend",
	"environments/%s.backend.hcl",
	"environments/%s/backend.hcl",
	"%s.s3.tfbackend",
	"%s.tfbackend",
}

// ReadBackend reads the s3 backend of the root at dir in fsys and merges the
// partial configuration for environment (see BackendConfigCandidates).
func ReadBackend(fsys fs.FS, dir, environment string) (*Backend, error) {
	files, err := parseRoot(fsys, dir)
	if err != nil {
		return nil, err
	}
	var b *Backend
	for _, f := range files {
		body, ok := f.body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, tb := range body.Blocks {
			if tb.Type != "terraform" {
				continue
			}
			for _, bb := range tb.Body.Blocks {
				if bb.Type != "backend" || len(bb.Labels) != 1 {
					continue
				}
				if bb.Labels[0] != "s3" {
					return nil, fmt.Errorf("%s declares backend %q; drift-check reads only the s3 backend, give the state with the `state` input", f.name, bb.Labels[0])
				}
				b = &Backend{Sources: []string{f.name}}
				if err := b.apply(bb.Body.Attributes, f.name); err != nil {
					return nil, err
				}
			}
		}
	}
	if b == nil {
		return nil, &NoBackendError{Dir: dir}
	}
	if environment != "" {
		for _, c := range BackendConfigCandidates {
			p := path.Join(dir, fmt.Sprintf(c, environment))
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				continue
			}
			f, diags := hclsyntax.ParseConfig(data, p, hcl.InitialPos)
			if diags.HasErrors() {
				return nil, fmt.Errorf("failed to parse backend config %s: %s", p, diags.Error())
			}
			if err := b.apply(f.Body.(*hclsyntax.Body).Attributes, p); err != nil {
				return nil, err
			}
			b.Sources = append(b.Sources, p)
			break
		}
	}
	return b, nil
}

func (b *Backend) apply(attrs hclsyntax.Attributes, file string) error {
	for name, a := range attrs {
		var dst *string
		switch name {
		case "bucket":
			dst = &b.Bucket
		case "key":
			dst = &b.Key
		case "region":
			dst = &b.Region
		case "workspace_key_prefix":
			dst = &b.WorkspaceKeyPrefix
		default:
			continue
		}
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() || v.Type() != cty.String || v.IsNull() {
			return fmt.Errorf("%s:%d: backend %s must be a literal string", file, a.SrcRange.Start.Line, name)
		}
		*dst = v.AsString()
	}
	return nil
}

// Location returns where the state of workspace lives. The default
// workspace ("" or "default") uses the key as is; others live under
// <workspace_key_prefix>/<workspace>/<key>, as the s3 backend stores them.
func (b *Backend) Location(workspace string) (Location, error) {
	if b.Bucket == "" || b.Key == "" {
		missing := "bucket"
		if b.Bucket != "" {
			missing = "key"
		}
		return Location{}, fmt.Errorf("the s3 backend in %s has no %s; add it or a partial config file such as backend/<environment>.s3.tfbackend", strings.Join(b.Sources, ", "), missing)
	}
	key := b.Key
	if workspace != "" && workspace != "default" {
		prefix := b.WorkspaceKeyPrefix
		if prefix == "" {
			prefix = "env:"
		}
		key = prefix + "/" + workspace + "/" + b.Key
	}
	return Location{Bucket: b.Bucket, Key: key, Region: b.Region}, nil
}

type hclFile struct {
	name string
	body hcl.Body
}

func parseRoot(fsys fs.FS, dir string) ([]hclFile, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("failed to read Terraform root %s: %w", dir, err)
	}
	var files []hclFile
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		p := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", p, err)
		}
		f, diags := hclsyntax.ParseConfig(data, p, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, fmt.Errorf("failed to parse %s: %s", p, diags.Error())
		}
		files = append(files, hclFile{name: p, body: f.Body})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.tf files in %s", dir)
	}
	return files, nil
}

// IgnoreChanges maps a resource block address (module.x.aws_ecs_service.web)
// to the attributes its lifecycle.ignore_changes lists; ["*"] stands for
// `ignore_changes = all`.
type IgnoreChanges map[string][]string

// Ignored reports whether attr (a flattened attribute path such as
// "desired_count" or "tags.Owner") of the resource block config is ignored.
func (ic IgnoreChanges) Ignored(config, attr string) bool {
	for _, a := range ic[config] {
		if a == "*" || a == attr || strings.HasPrefix(attr, a+".") {
			return true
		}
	}
	return false
}

// ReadIgnoreChanges reads lifecycle.ignore_changes from every resource of
// the root at dir and of the local modules it calls (source = "./..."),
// prefixing module resources with module.<name>.
func ReadIgnoreChanges(fsys fs.FS, dir string) (IgnoreChanges, error) {
	out := IgnoreChanges{}
	err := readIgnore(fsys, dir, "", out, 0)
	return out, err
}

func readIgnore(fsys fs.FS, dir, prefix string, out IgnoreChanges, depth int) error {
	if depth > 8 {
		return errors.New("module nesting deeper than 8 in " + dir)
	}
	files, err := parseRoot(fsys, dir)
	if err != nil {
		return err
	}
	for _, f := range files {
		body, ok := f.body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, blk := range body.Blocks {
			switch {
			case blk.Type == "resource" && len(blk.Labels) == 2:
				addr := prefix + blk.Labels[0] + "." + blk.Labels[1]
				for _, lc := range blk.Body.Blocks {
					if lc.Type != "lifecycle" {
						continue
					}
					a, ok := lc.Body.Attributes["ignore_changes"]
					if !ok {
						continue
					}
					attrs, err := ignoreList(a)
					if err != nil {
						return fmt.Errorf("%s:%d: %w", f.name, a.SrcRange.Start.Line, err)
					}
					out[addr] = append(out[addr], attrs...)
				}
			case blk.Type == "module" && len(blk.Labels) == 1:
				src, ok := blk.Body.Attributes["source"]
				if !ok {
					continue
				}
				v, diags := src.Expr.Value(nil)
				if diags.HasErrors() || v.Type() != cty.String {
					continue
				}
				s := v.AsString()
				if !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") {
					continue // registry or remote modules are not on disk
				}
				sub := path.Clean(path.Join(dir, s))
				if err := readIgnore(fsys, sub, prefix+"module."+blk.Labels[0]+".", out, depth+1); err != nil {
					return err
				}
			}
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return nil
}

func ignoreList(a *hclsyntax.Attribute) ([]string, error) {
	if kw := hcl.ExprAsKeyword(a.Expr); kw == "all" {
		return []string{"*"}, nil
	}
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		return nil, errors.New("ignore_changes must be a list of attribute names or all")
	}
	var out []string
	for _, e := range exprs {
		tr, diags := hcl.RelTraversalForExpr(e)
		if diags.HasErrors() {
			return nil, errors.New("ignore_changes entries must be attribute references such as desired_count or tags[\"Owner\"]")
		}
		var parts []string
		for _, step := range tr {
			switch s := step.(type) {
			case hcl.TraverseRoot:
				parts = append(parts, s.Name)
			case hcl.TraverseAttr:
				parts = append(parts, s.Name)
			case hcl.TraverseIndex:
				if s.Key.Type() == cty.String {
					parts = append(parts, s.Key.AsString())
				} else if s.Key.Type() == cty.Number {
					// list index: a single nested block flattens without it
					continue
				}
			}
		}
		out = append(out, strings.Join(parts, "."))
	}
	return out, nil
}

// ReadVarFiles reads string variables from .tfvars files (HCL). Values that
// are not literal strings, numbers or bools are skipped.
func ReadVarFiles(fsys fs.FS, files []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range files {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", p, err)
		}
		f, diags := hclsyntax.ParseConfig(data, p, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, fmt.Errorf("failed to parse %s: %s", p, diags.Error())
		}
		for name, a := range f.Body.(*hclsyntax.Body).Attributes {
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() || v.IsNull() || !v.IsKnown() {
				continue
			}
			switch v.Type() {
			case cty.String:
				out[name] = v.AsString()
			case cty.Number:
				out[name] = v.AsBigFloat().Text('f', -1)
			case cty.Bool:
				if v.True() {
					out[name] = "true"
				} else {
					out[name] = "false"
				}
			}
		}
	}
	return out, nil
}
