package workflowlint

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

var commitSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Unpinned returns every `uses:` in the workflow files that names a
// third-party action or reusable workflow by a tag or branch instead of a
// full commit SHA (tags can be moved; a SHA names the reviewed code), and
// docker:// actions without a digest. Local actions (./...) are fine.
func Unpinned(files []string) ([]Problem, error) {
	var out []Problem
	err := eachWorkflow(files, func(f string, doc *yaml.Node) {
		walk(doc, func(key, val *yaml.Node) {
			if key.Value != "uses" || val.Kind != yaml.ScalarNode {
				return
			}
			if msg := pinProblem(val.Value); msg != "" {
				out = append(out, Problem{File: f, Line: val.Line, Column: val.Column, Message: msg, Kind: "pinning"})
			}
		})
	})
	return out, err
}

func pinProblem(uses string) string {
	switch {
	case strings.HasPrefix(uses, "./") || strings.Contains(uses, "${{"):
		return ""
	case strings.HasPrefix(uses, "docker://"):
		if !strings.Contains(uses, "@sha256:") {
			return fmt.Sprintf("%q is not pinned to an image digest; use docker://image@sha256:...", uses)
		}
		return ""
	}
	name, ref, ok := strings.Cut(uses, "@")
	if !ok {
		return "" // actionlint reports a malformed uses
	}
	if !commitSHA.MatchString(ref) {
		return fmt.Sprintf("%s is pinned to %q, which can move; pin the full commit SHA (keep the tag in a comment: @<sha> # %s)", name, ref, ref)
	}
	return ""
}

// eachWorkflow calls fn with the parsed document of every file; files that
// are not YAML are skipped (actionlint reports them).
func eachWorkflow(files []string, fn func(file string, doc *yaml.Node)) error {
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", f, err)
		}
		var doc yaml.Node
		if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) == 0 {
			continue
		}
		fn(f, &doc)
	}
	return nil
}

func walk(n *yaml.Node, fn func(key, val *yaml.Node)) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			walk(c, fn)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			fn(n.Content[i], n.Content[i+1])
			walk(n.Content[i+1], fn)
		}
	}
}
