package driftcheck

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/outfile"
)

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
