package driftcheck

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/outfile"
)

// varFiles resolves the var-files input: each file relative to the
// workspace, like every file input. A file found only relative to the
// Terraform root (where earlier versions looked) is an error that says
// where it was looked for and what to write instead.
func varFiles(ws outfile.Roots, root string, list []string) ([]string, error) {
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

// taskDefinitionFiles expands the task-definitions input: files or globs
// (doublestar: * within a directory, ** across directories, ?, [a-z],
// {a,b}), relative to the workspace. A glob that matches no file is an
// error, as is a file that does not exist.
func taskDefinitionFiles(ws outfile.Roots, list []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, pat := range list {
		p := ws.ReadPath(pat)
		if !strings.ContainsAny(pat, "*?[{") {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
			continue
		}
		matches, err := doublestar.FilepathGlob(p, doublestar.WithFilesOnly())
		if err != nil {
			return nil, inputs.Errorf("task-definitions", pat, "is not a valid glob: %v", err)
		}
		if len(matches) == 0 {
			return nil, inputs.Errorf("task-definitions", pat, "matches no file (looked in %s); %s", filepath.Dir(p), outfile.ReadRule)
		}
		sort.Strings(matches)
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}
