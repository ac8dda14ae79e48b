// Command rules writes docs/rules.md, the validate rules reference, from
// the rule catalogue in internal/rules. Run it from the repository root:
//
//	go run ./cmd/docgen/rules
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ecsflow/ecsflow/internal/rules"
)

func main() {
	out := "docs/rules.md"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(out, []byte(rules.Markdown()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
