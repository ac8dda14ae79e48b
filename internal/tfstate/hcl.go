package tfstate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
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
		for _, tb := range f.body.blocks {
			if tb.typ != "terraform" {
				continue
			}
			for _, bb := range tb.body.blocks {
				if bb.typ != "backend" || len(bb.labels) != 1 {
					continue
				}
				if bb.labels[0] != "s3" {
					return nil, fmt.Errorf("%s declares backend %q; drift-check reads only the s3 backend, give the state with the `state` input", f.name, bb.labels[0])
				}
				b = &Backend{Sources: []string{f.name}}
				if err := b.apply(bb.body.attrs, f.name); err != nil {
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
			f, err := parseHCL(p, data)
			if err != nil {
				return nil, fmt.Errorf("failed to parse backend config %s: %w", p, err)
			}
			if err := b.apply(f.attrs, p); err != nil {
				return nil, err
			}
			b.Sources = append(b.Sources, p)
			break
		}
	}
	return b, nil
}

func (b *Backend) apply(attrs map[string]*hclAttr, file string) error {
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
		v, ok := literalString(a.expr)
		if !ok {
			return fmt.Errorf("%s:%d: backend %s must be a literal string", file, a.line, name)
		}
		*dst = v
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
	body *hclBody
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
		body, err := parseHCL(p, data)
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", p, err)
		}
		files = append(files, hclFile{name: p, body: body})
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
		for _, blk := range f.body.blocks {
			switch {
			case blk.typ == "resource" && len(blk.labels) == 2:
				addr := prefix + blk.labels[0] + "." + blk.labels[1]
				for _, lc := range blk.body.blocks {
					if lc.typ != "lifecycle" {
						continue
					}
					a, ok := lc.body.attrs["ignore_changes"]
					if !ok {
						continue
					}
					attrs, err := ignoreList(a)
					if err != nil {
						return fmt.Errorf("%s:%d: %w", f.name, a.line, err)
					}
					out[addr] = append(out[addr], attrs...)
				}
			case blk.typ == "module" && len(blk.labels) == 1:
				src, ok := blk.body.attrs["source"]
				if !ok {
					continue
				}
				s, ok := literalString(src.expr)
				if !ok || (!strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../")) {
					continue // registry or remote modules are not on disk
				}
				sub := path.Clean(path.Join(dir, s))
				if err := readIgnore(fsys, sub, prefix+"module."+blk.labels[0]+".", out, depth+1); err != nil {
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

func ignoreList(a *hclAttr) ([]string, error) {
	if len(a.expr) == 1 && a.expr[0].kind == tokIdent && a.expr[0].text == "all" {
		return []string{"*"}, nil
	}
	items, ok := listItems(a.expr)
	if !ok {
		return nil, errors.New("ignore_changes must be a list of attribute names or all")
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		steps, ok := traversal(it)
		if !ok {
			return nil, errors.New("ignore_changes entries must be attribute references such as desired_count or tags[\"Owner\"]")
		}
		// a list index: a single nested block flattens without it
		steps = slices.DeleteFunc(steps, func(s string) bool { return s == indexStep })
		out = append(out, strings.Join(steps, "."))
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
		body, err := parseHCL(p, data)
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", p, err)
		}
		for name, a := range body.attrs {
			if v, ok := literalScalar(a.expr); ok {
				out[name] = v
			}
		}
	}
	return out, nil
}
