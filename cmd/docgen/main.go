// Command docgen keeps the generated parts of the repository in step with
// their single source of truth, each action's action.yml:
//
//   - the input and output tables of actions/<name>/README.md,
//   - the root action.yml, which runs any action by its command input,
//
// and checks the composite-action convention every action.yml follows (every
// input reaches the binary as an INPUT_* variable, outputs come from step
// "run", no ${{ }} expression inside a run: script, in actions and workflows).
//
// Usage:
//
//	go run ./cmd/docgen          rewrite generated files (make docs)
//	go run ./cmd/docgen -check   change nothing; exit 1 when a file is stale
//	                             or a convention is broken
//	go run ./cmd/docgen -only action.yml   write only the listed generated files
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("docgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "report stale files and convention problems without writing")
	root := fs.String("root", ".", "repository root")
	only := fs.String("only", "", "comma-separated generated paths to write (default: all)")
	if err := fs.Parse(args); err != nil {
		return 2
	}

	files, err := Generate(os.DirFS(*root))
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	if *only != "" {
		keep := map[string]bool{}
		for _, p := range strings.Split(*only, ",") {
			keep[strings.TrimSpace(p)] = true
		}
		var kept []File
		for _, f := range files {
			if keep[f.Path] {
				kept = append(kept, f)
			}
		}
		files = kept
	}
	stale := 0
	for _, f := range files {
		path := filepath.Join(*root, filepath.FromSlash(f.Path))
		old, err := os.ReadFile(path)
		if err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		if *check {
			fmt.Fprintf(stdout, "%s: out of date; run make docs\n", f.Path)
			stale++
			continue
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			fmt.Fprintf(stderr, "error: failed to write %s: %v\n", f.Path, err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s\n", f.Path)
	}

	problems, err := Lint(os.DirFS(*root))
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	if stale > 0 || len(problems) > 0 {
		return 1
	}
	return 0
}
