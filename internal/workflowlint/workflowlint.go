// Package workflowlint lints a repository's GitHub Actions workflow files
// with actionlint, used as a library so the validate gate catches a broken
// pipeline without a separate tool, and checks the inputs a workflow passes
// to local actions and workflows and to ecsflow's own, which actionlint
// cannot see when they are called remotely.
package workflowlint

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rhysd/actionlint"
)

// Problem is one actionlint finding.
type Problem struct {
	File    string
	Line    int
	Column  int
	Message string
	// Kind is actionlint's rule name (syntax-check, expression, shellcheck ...).
	Kind string
}

// Options tune linting.
type Options struct {
	// Shellcheck is the shellcheck executable for run: scripts; "" looks it
	// up in PATH and skips those checks when it is missing; "off" skips them.
	Shellcheck string
}

// WorkflowFiles returns the workflow files under root/.github/workflows.
func WorkflowFiles(root string) ([]string, error) {
	dir := filepath.Join(root, ".github", "workflows")
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read workflow directory %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml")) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}

// Lint lints the given workflow files with actionlint and reports every
// `with:` key that the called action or reusable workflow does not take
// (Kind "unknown-input"; see unknownInputs).
func Lint(files []string, opts Options) ([]Problem, error) {
	if len(files) == 0 {
		return nil, nil
	}
	sc := opts.Shellcheck
	switch sc {
	case "off":
		sc = ""
	case "":
		if p, err := exec.LookPath("shellcheck"); err == nil {
			sc = p
		}
	}
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{Shellcheck: sc, LogWriter: io.Discard})
	if err != nil {
		return nil, fmt.Errorf("failed to set up actionlint: %w", err)
	}
	errs, err := l.LintFiles(files, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to lint workflows: %w", err)
	}
	unknown, err := unknownInputs(files, newResolver())
	if err != nil {
		return nil, err
	}
	// actionlint reports unknown inputs of local actions and workflows too,
	// when it finds the repository's .git; ours names the closest input.
	reported := map[string]bool{}
	for _, p := range unknown {
		reported[fmt.Sprintf("%s:%d", p.File, p.Line)] = true
	}
	out := make([]Problem, 0, len(errs)+len(unknown))
	for _, e := range errs {
		if reported[fmt.Sprintf("%s:%d", e.Filepath, e.Line)] && strings.HasPrefix(e.Message, "input ") && strings.Contains(e.Message, " is not defined in ") {
			continue
		}
		out = append(out, Problem{File: e.Filepath, Line: e.Line, Column: e.Column, Message: e.Message, Kind: e.Kind})
	}
	out = append(out, unknown...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return out, nil
}
