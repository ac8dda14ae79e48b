// Package gitsource fetches an external git repository at one exact commit
// and applies patches to it in order, so an image built from someone else's
// code is reproducible: the commit is pinned by its full SHA (branch and tag
// names are refused, because they move) and every change is a patch file
// instead of a sed script.
package gitsource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ecsflow/ecsflow/internal/buildctx"
)

// Ref is a parsed `source` input: a repository URL and a commit.
type Ref struct {
	URL    string
	Commit string
}

// String renders the reference as URL@commit with any credentials in the
// URL removed.
func (r Ref) String() string { return Redact(r.URL) + "@" + r.Commit }

// InputError is a source or patch the user must fix (exit code 2).
type InputError struct {
	// Input is "source" or "patches".
	Input  string
	Reason string
}

// Error implements the error interface.
func (e *InputError) Error() string { return e.Reason }

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Parse reads "URL@<40-hex commit>". The commit must be a full, lower-case
// SHA-1: anything else (main, v1.2.3, a short SHA) is refused, because it
// can name a different commit tomorrow.
func Parse(s string) (Ref, error) {
	s = strings.TrimSpace(s)
	i := strings.LastIndex(s, "@")
	if i <= 0 || i == len(s)-1 {
		return Ref{}, &InputError{Input: "source", Reason: "is not URL@COMMIT; pin the repository to a full 40-character commit SHA, e.g. https://github.com/org/repo@0123…(40 hex)"}
	}
	u, c := s[:i], s[i+1:]
	if strings.Contains(c, "/") || strings.Contains(c, ":") {
		// The '@' belonged to the URL (git@host:org/repo) and no commit was given.
		return Ref{}, &InputError{Input: "source", Reason: "names no commit; append @ and a full 40-character commit SHA"}
	}
	if !commitRE.MatchString(c) {
		what := "a branch or tag name"
		if regexp.MustCompile(`^[0-9a-fA-F]{4,40}$`).MatchString(c) {
			what = "a short or upper-case SHA"
		}
		return Ref{}, &InputError{Input: "source", Reason: fmt.Sprintf("pins %q, which looks like %s; a source must be pinned to a full 40-character lower-case commit SHA (run `git rev-parse %s` to get it)", c, what, c)}
	}
	return Ref{URL: u, Commit: c}, nil
}

// Redact removes user information (tokens) from a URL for logs and labels.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// Runner runs git. Tests and callers may replace it.
type Runner func(ctx context.Context, dir string, args ...string) (string, error)

// Git runs the git binary with a clean, non-interactive environment.
func Git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], lastLines(msg, 3))
	}
	return strings.TrimSpace(out.String()), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Checkout is a fetched and patched source tree.
type Checkout struct {
	Dir     string
	Ref     Ref
	Patches []buildctx.Patch
	// CommitTime is the commit's committer date (Unix seconds), a
	// reproducible image creation time.
	CommitTime int64
}

// Fetch clones ref into dir (which must be empty or absent) at exactly
// ref.Commit and applies patches in order. A commit the remote does not
// have and a patch that does not apply are *InputError.
func Fetch(ctx context.Context, run Runner, ref Ref, dir string, patches []buildctx.Patch) (*Checkout, error) {
	if run == nil {
		run = Git
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("failed to create %s: %w", dir, err)
	}
	steps := [][]string{
		{"init", "-q"},
		{"remote", "add", "origin", ref.URL},
	}
	for _, s := range steps {
		if _, err := run(ctx, dir, s...); err != nil {
			return nil, fmt.Errorf("failed to prepare the source checkout: %w", err)
		}
	}
	// Fetch only the pinned commit; servers that refuse unadvertised
	// commits get a full fetch instead.
	if _, err := run(ctx, dir, "fetch", "-q", "--depth=1", "origin", ref.Commit); err != nil {
		if _, err2 := run(ctx, dir, "fetch", "-q", "origin"); err2 != nil {
			return nil, &InputError{Input: "source", Reason: fmt.Sprintf("cannot fetch %s: %s; check the URL and that the repository is reachable", Redact(ref.URL), redactErr(err2))}
		}
	}
	if _, err := run(ctx, dir, "cat-file", "-e", ref.Commit+"^{commit}"); err != nil {
		return nil, &InputError{Input: "source", Reason: fmt.Sprintf("commit %s does not exist in %s; check the SHA", ref.Commit, Redact(ref.URL))}
	}
	if _, err := run(ctx, dir, "-c", "advice.detachedHead=false", "checkout", "-q", "--detach", ref.Commit); err != nil {
		return nil, fmt.Errorf("failed to check out %s: %w", ref.Commit, err)
	}
	head, err := run(ctx, dir, "rev-parse", "HEAD")
	if err != nil || head != ref.Commit {
		return nil, fmt.Errorf("checkout of %s ended at %q: %v", ref.Commit, head, err)
	}
	ct := int64(0)
	if out, err := run(ctx, dir, "show", "-s", "--format=%ct", "HEAD"); err == nil {
		fmt.Sscan(out, &ct)
	}
	for i, p := range patches {
		pf := filepath.Join(dir, ".git", fmt.Sprintf("ecsflow-%03d.patch", i))
		if err := os.WriteFile(pf, p.Content, 0o600); err != nil {
			return nil, fmt.Errorf("failed to stage patch %s: %w", p.Name, err)
		}
		if _, err := run(ctx, dir, "apply", "--whitespace=nowarn", pf); err != nil {
			return nil, &InputError{Input: "patches", Reason: fmt.Sprintf("patch %s does not apply to %s (after %d earlier patches): %s; regenerate it against that commit", p.Name, ref.String(), i, redactErr(err))}
		}
	}
	return &Checkout{Dir: dir, Ref: ref, Patches: patches, CommitTime: ct}, nil
}

func redactErr(err error) string {
	s := err.Error()
	return regexp.MustCompile(`://[^/@\s]+@`).ReplaceAllString(s, "://")
}

// ErrNotRepo is returned by HeadInfo outside a git work tree.
var ErrNotRepo = errors.New("not a git work tree")

// HeadInfo returns the commit, the branch (empty when detached) and the tags
// at HEAD of the work tree containing dir.
func HeadInfo(ctx context.Context, run Runner, dir string) (sha, branch string, tags []string, err error) {
	if run == nil {
		run = Git
	}
	sha, err = run(ctx, dir, "rev-parse", "HEAD")
	if err != nil {
		return "", "", nil, ErrNotRepo
	}
	if b, err := run(ctx, dir, "symbolic-ref", "-q", "--short", "HEAD"); err == nil {
		branch = b
	}
	if out, err := run(ctx, dir, "tag", "--points-at", "HEAD"); err == nil && out != "" {
		tags = strings.Split(out, "\n")
	}
	return sha, branch, tags, nil
}
