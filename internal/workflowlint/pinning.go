package workflowlint

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

var commitSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// KindReleaseTag is the Kind of a pin to a release tag (v1, v1.4, v1.4.2)
// in a job that deploys to an environment outside production: allowed, as
// the README's "pin a version per environment" advises, and reported as a
// note rather than a warning.
const KindReleaseTag = "pinning-release-tag"

var releaseTag = regexp.MustCompile(`^v[0-9]+(\.[0-9]+){0,2}$`)

// Unpinned returns every `uses:` in the workflow files that names a
// third-party action or reusable workflow by a tag or branch instead of a
// full commit SHA (tags can be moved; a SHA names the reviewed code), and
// docker:// actions without a digest. Local actions (./...) are fine. A
// release tag in a job whose environment is known and not production is
// returned with Kind KindReleaseTag.
func Unpinned(files []string) ([]Problem, error) {
	var out []Problem
	err := eachWorkflow(files, func(f string, doc *yaml.Node) {
		walkJobs(doc, func(env string, key, val *yaml.Node) {
			if key.Value != "uses" || val.Kind != yaml.ScalarNode {
				return
			}
			if p, ok := pinProblem(val.Value, env); ok {
				p.File, p.Line, p.Column = f, val.Line, val.Column
				out = append(out, p)
			}
		})
	})
	return out, err
}

func pinProblem(uses, env string) (Problem, bool) {
	switch {
	case strings.HasPrefix(uses, "./") || strings.Contains(uses, "${{"):
		return Problem{}, false
	case strings.HasPrefix(uses, "docker://"):
		if !strings.Contains(uses, "@sha256:") {
			return Problem{Kind: "pinning", Message: fmt.Sprintf("%q is not pinned to an image digest; use docker://image@sha256:...", uses)}, true
		}
		return Problem{}, false
	}
	name, ref, ok := strings.Cut(uses, "@")
	if !ok || commitSHA.MatchString(ref) {
		return Problem{}, false // actionlint reports a malformed uses
	}
	if releaseTag.MatchString(ref) && env != "" && !production(env) {
		return Problem{Kind: KindReleaseTag, Message: fmt.Sprintf("%s is pinned to the release tag %q in environment %q: allowed outside production; pin production by full commit SHA (@<sha> # %s)", name, ref, env, ref)}, true
	}
	return Problem{Kind: "pinning", Message: fmt.Sprintf("%s is pinned to %q, which can move; pin the full commit SHA (keep the tag in a comment: @<sha> # %s)", name, ref, ref)}, true
}

// production reports whether an environment name reads as production
// (prod, production, prd, prod-eu, eu_prod …).
func production(env string) bool {
	e := strings.ToLower(env)
	return e == "prd" || strings.HasPrefix(e, "prod") || strings.Contains(e, "-prod") || strings.Contains(e, "_prod")
}

// walkJobs is walk with the environment of the enclosing job: its
// environment: (a name or {name: …}) or, for a reusable-workflow call, its
// with.environment; "" when there is none or it is an expression.
func walkJobs(doc *yaml.Node, fn func(env string, key, val *yaml.Node)) {
	root := docRoot(doc)
	if root.Kind != yaml.MappingNode {
		walk(doc, func(k, v *yaml.Node) { fn("", k, v) })
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "jobs" || v.Kind != yaml.MappingNode {
			fn("", k, v)
			walk(v, func(k, v *yaml.Node) { fn("", k, v) })
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			job := v.Content[j+1]
			env := jobEnvironment(job)
			walk(job, func(k, v *yaml.Node) { fn(env, k, v) })
		}
	}
}

func jobEnvironment(job *yaml.Node) string {
	e := mapValue(job, "environment")
	if e != nil && e.Kind == yaml.MappingNode {
		e = mapValue(e, "name")
	}
	if e == nil {
		e = mapValue(mapValue(job, "with"), "environment")
	}
	if e == nil || e.Kind != yaml.ScalarNode || strings.Contains(e.Value, "${{") {
		return ""
	}
	return e.Value
}

func docRoot(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0]
	}
	return doc
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
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
