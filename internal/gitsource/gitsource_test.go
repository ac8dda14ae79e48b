package gitsource

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsflow/ecsflow/internal/buildctx"
)

// upstream creates a bare repository with two commits and returns its URL
// and both commit SHAs (the first one is no longer the branch tip).
func upstream(t *testing.T) (url, first, second string) {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	work := filepath.Join(root, "work")
	bare := filepath.Join(root, "upstream.git")
	git := func(dir string, args ...string) string {
		t.Helper()
		out, err := Git(ctx, dir, append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return out
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	git(work, "init", "-q", "-b", "main")
	write(t, filepath.Join(work, "app.conf"), "port = 80\nlog = info\n")
	git(work, "add", ".")
	git(work, "commit", "-q", "-m", "first")
	first = git(work, "rev-parse", "HEAD")
	write(t, filepath.Join(work, "app.conf"), "port = 80\nlog = debug\n")
	git(work, "commit", "-q", "-am", "second")
	second = git(work, "rev-parse", "HEAD")
	git(root, "clone", "-q", "--bare", work, bare)
	return "file://" + bare, first, second
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	sha := strings.Repeat("ab", 20)
	cases := []struct {
		in, wantErr string
	}{
		{in: "https://github.com/aws-samples/bedrock-access-gateway@" + sha},
		{in: "git@github.com:org/repo@" + sha},
		{in: "https://github.com/org/repo@main", wantErr: `pins "main", which looks like a branch or tag name`},
		{in: "https://github.com/org/repo@v1.2.3", wantErr: "branch or tag name"},
		{in: "https://github.com/org/repo@abc1234", wantErr: "short or upper-case SHA"},
		{in: "https://github.com/org/repo@" + strings.ToUpper(sha), wantErr: "short or upper-case SHA"},
		{in: "https://github.com/org/repo", wantErr: "is not URL@COMMIT"},
		{in: "git@github.com:org/repo", wantErr: "names no commit"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			ref, err := Parse(tc.in)
			if tc.wantErr == "" {
				if err != nil || ref.Commit != sha {
					t.Fatalf("Parse = %+v, %v", ref, err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != "source" || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Parse error = %v, want InputError containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestFetchExactCommitAndPatches(t *testing.T) {
	t.Parallel()
	url, first, second := upstream(t)
	p1 := buildctx.Patch{Name: "01-port.patch", Content: []byte(`--- a/app.conf
+++ b/app.conf
@@ -1,2 +1,2 @@
-port = 80
+port = 8080
 log = info
`)}
	// p2 only applies after p1.
	p2 := buildctx.Patch{Name: "02-log.patch", Content: []byte(`--- a/app.conf
+++ b/app.conf
@@ -1,2 +1,3 @@
 port = 8080
 log = info
+tls = off
`)}
	cases := []struct {
		name     string
		commit   string
		patches  []buildctx.Patch
		want     string
		wantErr  string
		errInput string
	}{
		{name: "old commit, not the branch tip", commit: first, want: "port = 80\nlog = info\n"},
		{name: "tip", commit: second, want: "port = 80\nlog = debug\n"},
		{name: "patches in order", commit: first, patches: []buildctx.Patch{p1, p2}, want: "port = 8080\nlog = info\ntls = off\n"},
		{name: "patch out of order fails", commit: first, patches: []buildctx.Patch{p2, p1}, wantErr: "patch 02-log.patch does not apply", errInput: "patches"},
		{name: "patch against other commit fails", commit: second, patches: []buildctx.Patch{p1}, wantErr: "patch 01-port.patch does not apply", errInput: "patches"},
		{name: "unknown commit", commit: strings.Repeat("1", 40), wantErr: "does not exist", errInput: "source"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "src")
			co, err := Fetch(context.Background(), nil, Ref{URL: url, Commit: tc.commit}, dir, tc.patches)
			if tc.wantErr != "" {
				var ie *InputError
				if !errors.As(err, &ie) || ie.Input != tc.errInput || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Fetch error = %v, want InputError(%s) containing %q", err, tc.errInput, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			got, err := os.ReadFile(filepath.Join(co.Dir, "app.conf"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("app.conf = %q, want %q", got, tc.want)
			}
			if co.CommitTime == 0 {
				t.Error("CommitTime not read")
			}
		})
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	if got := Redact("https://x-access-token:ghs_secret@github.com/o/r"); strings.Contains(got, "ghs_secret") {
		t.Fatalf("Redact leaked the token: %s", got)
	}
}
