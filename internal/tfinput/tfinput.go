// Package tfinput reads the inputs that name a Terraform root and its var
// files, which drift-check and optimize share, so both take them from the
// workspace (see package outfile) and say the same thing about bad ones.
package tfinput

import (
	"os"
	"path/filepath"

	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/outfile"
)

// Root returns where the Terraform root the path input names is read
// from, or an input error when it is not a directory.
func Root(ws outfile.Roots, path string) (string, error) {
	dir := ws.ReadPath(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", inputs.Errorf("path", path, "is not a directory (looked for %s); give the Terraform root, e.g. examples/open-webui/terraform; %s", dir, outfile.ReadRule)
	}
	return dir, nil
}

// VarFiles resolves the var-files input: each file relative to the
// workspace, like every file input. A file found only relative to the
// Terraform root root (where earlier versions looked) is an error that
// says where it was looked for and what to write instead.
func VarFiles(ws outfile.Roots, root string, list []string) ([]string, error) {
	var out []string
	for _, f := range list {
		p := ws.ReadPath(f)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			out = append(out, p)
			continue
		}
		if !filepath.IsAbs(f) {
			under := filepath.Join(root, f)
			if fi, err := os.Stat(ws.ReadPath(under)); err == nil && !fi.IsDir() {
				return nil, inputs.Errorf("var-files", f, "does not exist in the workspace (looked for %s); var files are relative to the workspace, not to path: write %s", p, under)
			}
		}
		return nil, inputs.Errorf("var-files", f, "does not exist (looked for %s); give .tfvars files, %s", p, outfile.ReadRule)
	}
	return out, nil
}

// NeedsRoot is the error for var files given without the path input.
func NeedsRoot(in *inputs.Inputs) error {
	if len(in.List("var-files")) > 0 {
		return inputs.Errorf("var-files", in.String("var-files"), "needs `path`, the Terraform root they belong to")
	}
	return nil
}
