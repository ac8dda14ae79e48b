// Package tagtmpl turns the tag templates of the build-push action into
// image tags: sha, short-sha, branch, semver (from a git tag), env:<name>
// and literal tags. A template that does not resolve is an error unless it
// ends in '?', which makes it optional.
package tagtmpl

import (
	"fmt"
	"regexp"
	"strings"
)

// Facts are what templates resolve against. Collect them once (from the
// GitHub environment or the local git checkout) and resolve every template
// with the same facts.
type Facts struct {
	// SHA is the full 40-hex commit being built.
	SHA string
	// Ref is the full git ref (refs/heads/main, refs/tags/v1.2.3,
	// refs/pull/7/merge).
	Ref string
	// HeadRef is the pull request's source branch (GITHUB_HEAD_REF), used
	// for `branch` on pull_request events.
	HeadRef string
	// Tags lists git tags that point at SHA (for `semver` outside a tag
	// push).
	Tags []string
	// Getenv reads variables for env:<name>.
	Getenv func(string) string
}

// Error is a template that is malformed or does not resolve.
type Error struct {
	Template string
	Reason   string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("tag template %q %s", e.Template, e.Reason)
}

// tagRE is the OCI distribution rule for tags.
var tagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

var shaRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

var semverRE = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// Keywords lists the template keywords (besides env:<name> and literals).
var Keywords = []string{"sha", "short-sha", "branch", "semver"}

// Check validates the syntax of templates without resolving them, so a
// malformed template is reported before anything else happens.
func Check(templates []string) error {
	if len(templates) == 0 {
		return &Error{Template: "", Reason: "list is empty; give at least one tag template such as sha"}
	}
	for _, t := range templates {
		name, _ := optional(t)
		switch {
		case isKeyword(name):
		case strings.HasPrefix(name, "env:"):
			if !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(strings.TrimPrefix(name, "env:")) {
				return &Error{Template: t, Reason: "names no valid environment variable; write env:NAME"}
			}
		case !tagRE.MatchString(name):
			return &Error{Template: t, Reason: "is neither a keyword (sha, short-sha, branch, semver, env:NAME) nor a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-], at most 128 characters)"}
		}
	}
	return nil
}

func isKeyword(s string) bool {
	for _, k := range Keywords {
		if s == k {
			return true
		}
	}
	return false
}

func optional(t string) (string, bool) {
	if strings.HasSuffix(t, "?") {
		return strings.TrimSuffix(t, "?"), true
	}
	return t, false
}

// Resolve turns templates into tags, in order and without duplicates.
// Optional templates (suffix '?') that do not resolve are dropped.
func Resolve(templates []string, f Facts) ([]string, error) {
	if err := Check(templates); err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range templates {
		name, opt := optional(t)
		tag, reason := resolveOne(name, f)
		if reason != "" {
			if opt {
				continue
			}
			return nil, &Error{Template: t, Reason: reason}
		}
		if !tagRE.MatchString(tag) {
			return nil, &Error{Template: t, Reason: fmt.Sprintf("resolves to %q, which is not a valid tag", tag)}
		}
		if !seen[tag] {
			seen[tag] = true
			out = append(out, tag)
		}
	}
	if len(out) == 0 {
		return nil, &Error{Template: strings.Join(templates, ","), Reason: "resolves to no tag at all; add one that always resolves, such as sha"}
	}
	return out, nil
}

func resolveOne(name string, f Facts) (tag, reason string) {
	switch {
	case name == "sha" || name == "short-sha":
		if !shaRE.MatchString(f.SHA) {
			return "", "does not resolve: the commit SHA is unknown (set GITHUB_SHA or run inside a git checkout)"
		}
		if name == "short-sha" {
			return f.SHA[:7], ""
		}
		return f.SHA, ""
	case name == "branch":
		b := ""
		switch {
		case f.HeadRef != "":
			b = f.HeadRef
		case strings.HasPrefix(f.Ref, "refs/heads/"):
			b = strings.TrimPrefix(f.Ref, "refs/heads/")
		}
		if b == "" {
			return "", fmt.Sprintf("does not resolve: ref %q is not a branch (use branch? to make it optional)", f.Ref)
		}
		return SanitizeBranch(b), ""
	case name == "semver":
		if strings.HasPrefix(f.Ref, "refs/tags/") {
			if v, ok := Semver(strings.TrimPrefix(f.Ref, "refs/tags/")); ok {
				return v, ""
			}
		}
		for _, t := range f.Tags {
			if v, ok := Semver(t); ok {
				return v, ""
			}
		}
		return "", "does not resolve: no semantic-version git tag (v1.2.3) points at this commit (use semver? to make it optional)"
	case strings.HasPrefix(name, "env:"):
		v := ""
		if f.Getenv != nil {
			v = strings.TrimSpace(f.Getenv(strings.TrimPrefix(name, "env:")))
		}
		if v == "" {
			return "", fmt.Sprintf("does not resolve: variable %s is empty or unset", strings.TrimPrefix(name, "env:"))
		}
		return v, ""
	}
	return name, ""
}

// Semver returns the version of a git tag such as v1.2.3 without its v,
// with build metadata ('+' is not allowed in image tags) turned into '-'.
func Semver(tag string) (string, bool) {
	if !semverRE.MatchString(tag) {
		return "", false
	}
	return strings.ReplaceAll(strings.TrimPrefix(tag, "v"), "+", "-"), true
}

var notTagChar = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// SanitizeBranch makes a branch name a valid tag: characters outside
// [A-Za-z0-9_.-] (such as '/') become '-', a leading '.' or '-' is
// dropped, and the result is cut at 128 characters.
func SanitizeBranch(b string) string {
	s := notTagChar.ReplaceAllString(b, "-")
	s = strings.TrimLeft(s, ".-")
	if len(s) > 128 {
		s = s[:128]
	}
	return s
}
