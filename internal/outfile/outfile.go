// Package outfile confines the files an action writes to the job's
// workspace and the runner's temporary directory, and says where the files
// an action reads are found.
//
// Every file input of every action is relative to the workspace: files
// read (ReadPath) and files written (Resolve, WriteFile) alike.
//
// The rule, the same for every file an action writes: a relative path is
// taken from the workspace; an absolute path must lie inside the workspace
// or the temporary directory; neither a ".." nor a symbolic link may lead
// out of them. The workspace is GITHUB_WORKSPACE (outside Actions, the
// current directory); the temporary directory is RUNNER_TEMP (when unset,
// the system's temporary directory). Missing parent directories are
// created inside the root.
//
// Writes go through os.Root, which refuses, at the moment of the write,
// any path that leaves the root by a link or a "..".
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Roots are the directories an action may write into.
type Roots struct {
	// Workspace is where relative paths start.
	Workspace string
	// Temp is the runner's temporary directory.
	Temp string
}

// FromEnv returns the roots of the current job: GITHUB_WORKSPACE or the
// working directory, and RUNNER_TEMP or the system's temporary directory.
func FromEnv(getenv func(string) string) Roots {
	r := Roots{Workspace: getenv("GITHUB_WORKSPACE"), Temp: getenv("RUNNER_TEMP")}
	if r.Workspace == "" {
		r.Workspace = "."
	}
	if r.Temp == "" {
		r.Temp = os.TempDir()
	}
	return r
}

// Rule says where files may be written, for input descriptions and errors.
const Rule = "relative paths are taken from the workspace; an absolute path must lie inside the workspace or the runner's temp directory, and no .. or symbolic link may lead out of them"

// ReadRule says where files named in inputs are read from, for input
// descriptions and errors.
const ReadRule = "relative paths are taken from the workspace (GITHUB_WORKSPACE; outside Actions the current directory)"

// ReadPath returns where a file an input names is read from: a relative
// path is taken from the workspace, an absolute one is used as it is.
// Reads are not confined: a state file or a var file elsewhere on the
// runner may be read.
func (r Roots) ReadPath(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(r.Workspace, path)
}

// OutsideError is a path that leaves the roots.
type OutsideError struct {
	Path   string
	Reason string
}

func (e *OutsideError) Error() string {
	return e.Reason + "; " + Rule
}

// Resolve returns the absolute path path is written to, or an
// *OutsideError when it would leave the roots (lexically, or through a
// symbolic link that exists now).
func (r Roots) Resolve(path string) (string, error) {
	root, rel, err := r.locate(path)
	if err != nil {
		return "", err
	}
	if err := checkLinks(root, rel); err != nil {
		return "", err
	}
	return filepath.Join(root, rel), nil
}

// WriteFile writes data to path (mode 0644), creating missing parent
// directories, under the rule of Resolve.
func (r Roots) WriteFile(path string, data []byte) error {
	root, rel, err := r.locate(path)
	if err != nil {
		return err
	}
	fr, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("failed to open %s: %w", root, err)
	}
	defer fr.Close()
	if dir := filepath.Dir(rel); dir != "." {
		if err := fr.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("failed to create %s: %w", filepath.Join(root, dir), escaped(path, err))
		}
	}
	if err := fr.WriteFile(rel, data, 0o644); err != nil {
		return fmt.Errorf("failed to write %s: %w", filepath.Join(root, rel), escaped(path, err))
	}
	return nil
}

// locate picks the root that lexically holds path (the deepest one when
// both do) and returns path relative to it.
func (r Roots) locate(path string) (root, rel string, err error) {
	if path == "" {
		return "", "", &OutsideError{Path: path, Reason: "is empty"}
	}
	ws, err := filepath.Abs(r.Workspace)
	if err != nil {
		return "", "", fmt.Errorf("failed to resolve the workspace %s: %w", r.Workspace, err)
	}
	p := path
	if !filepath.IsAbs(p) {
		p = filepath.Join(ws, p)
	}
	p = filepath.Clean(p)
	if !filepath.IsAbs(path) {
		// Taken from the workspace: a .. may not leave it, even towards
		// the temp directory (../../_temp/x).
		if rel, err := filepath.Rel(ws, p); err != nil || !local(rel) {
			return "", "", &OutsideError{Path: path, Reason: fmt.Sprintf("leaves the workspace %s", ws)}
		}
	}
	var roots []string
	for _, c := range []string{ws, r.Temp} {
		if c == "" {
			continue
		}
		abs, err := filepath.Abs(c)
		if err != nil {
			continue
		}
		roots = append(roots, abs)
	}
	for _, c := range roots {
		rl, err := filepath.Rel(c, p)
		if err != nil || !local(rl) {
			continue
		}
		if root == "" || len(c) > len(root) {
			root, rel = c, rl
		}
	}
	if root == "" {
		return "", "", &OutsideError{Path: path, Reason: fmt.Sprintf("is outside the workspace %s and the runner's temp directory %s", ws, roots[len(roots)-1])}
	}
	if rel == "." {
		return "", "", &OutsideError{Path: path, Reason: "names the workspace or temp directory itself, not a file in it"}
	}
	return root, rel, nil
}

// local reports whether rel (from filepath.Rel) stays below its base.
func local(rel string) bool {
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// checkLinks follows each existing component of rel inside root and
// refuses one that leads out of it.
func checkLinks(root, rel string) error {
	fr, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("failed to open %s: %w", root, err)
	}
	defer fr.Close()
	parts := strings.Split(rel, string(filepath.Separator))
	for i := range parts {
		prefix := filepath.Join(parts[:i+1]...)
		_, err := fr.Stat(prefix)
		if errors.Is(err, fs.ErrNotExist) {
			if li, lerr := fr.Lstat(prefix); lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
				// a dangling link: following it would create a file outside
				return escaped(filepath.Join(root, rel), err)
			}
			return nil // the rest is created inside root
		}
		if err != nil {
			return escaped(filepath.Join(root, rel), err)
		}
	}
	return nil
}

// escaped turns os.Root's refusal into an *OutsideError.
func escaped(path string, err error) error {
	var pe *fs.PathError
	// os.Root's error for a path leaving it is not exported; its text is
	// "path escapes from parent".
	if errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "escapes") {
		return &OutsideError{Path: path, Reason: "leads out through a symbolic link"}
	}
	return err
}
