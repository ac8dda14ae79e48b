package tagtmpl

import (
	"errors"
	"strings"
	"testing"
)

const sha = "0123456789abcdef0123456789abcdef01234567"

func TestResolve(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DEPLOY_ENV": "staging", "EMPTY": ""}
	getenv := func(k string) string { return env[k] }
	cases := []struct {
		name      string
		templates []string
		facts     Facts
		want      string
		wantErr   string
	}{
		{name: "sha and short-sha", templates: []string{"sha", "short-sha"}, facts: Facts{SHA: sha}, want: sha + ",0123456"},
		{name: "branch from push ref", templates: []string{"branch"}, facts: Facts{Ref: "refs/heads/feature/new-ui"}, want: "feature-new-ui"},
		{name: "branch from pull request head", templates: []string{"branch"}, facts: Facts{Ref: "refs/pull/7/merge", HeadRef: "fix/x"}, want: "fix-x"},
		{name: "branch on a tag push fails", templates: []string{"branch"}, facts: Facts{Ref: "refs/tags/v1.0.0"}, wantErr: `tag template "branch" does not resolve: ref "refs/tags/v1.0.0" is not a branch`},
		{name: "optional branch dropped", templates: []string{"sha", "branch?"}, facts: Facts{SHA: sha, Ref: "refs/tags/v1.0.0"}, want: sha},
		{name: "semver from tag ref", templates: []string{"semver"}, facts: Facts{Ref: "refs/tags/v1.2.3"}, want: "1.2.3"},
		{name: "semver with build metadata", templates: []string{"semver"}, facts: Facts{Ref: "refs/tags/v1.2.3-rc.1+b5"}, want: "1.2.3-rc.1-b5"},
		{name: "semver from tags at commit", templates: []string{"semver"}, facts: Facts{Ref: "refs/heads/main", Tags: []string{"nightly", "v2.0.0"}}, want: "2.0.0"},
		{name: "semver missing", templates: []string{"semver"}, facts: Facts{Ref: "refs/heads/main", Tags: []string{"nightly"}}, wantErr: "no semantic-version git tag"},
		{name: "env", templates: []string{"env:DEPLOY_ENV", "literal-1.0"}, facts: Facts{Getenv: getenv}, want: "staging,literal-1.0"},
		{name: "env empty", templates: []string{"env:EMPTY"}, facts: Facts{Getenv: getenv}, wantErr: "variable EMPTY is empty or unset"},
		{name: "sha unknown", templates: []string{"short-sha"}, facts: Facts{SHA: "main"}, wantErr: "the commit SHA is unknown"},
		{name: "duplicates removed", templates: []string{"sha", "sha", "latest"}, facts: Facts{SHA: sha}, want: sha + ",latest"},
		{name: "bad literal", templates: []string{"has space"}, wantErr: "is neither a keyword"},
		{name: "bad env name", templates: []string{"env:1X"}, wantErr: "names no valid environment variable"},
		{name: "env value not a tag", templates: []string{"env:BAD"}, facts: Facts{Getenv: func(string) string { return "a/b" }}, wantErr: `resolves to "a/b", which is not a valid tag`},
		{name: "empty list", templates: nil, wantErr: "list is empty"},
		{name: "all optional unresolved", templates: []string{"semver?"}, facts: Facts{}, wantErr: "resolves to no tag at all"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve(tc.templates, tc.facts)
			if tc.wantErr != "" {
				var te *Error
				if err == nil || !errors.As(err, &te) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Resolve() error = %v, want *Error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve() error = %v", err)
			}
			if strings.Join(got, ",") != tc.want {
				t.Fatalf("Resolve() = %v, want %s", got, tc.want)
			}
		})
	}
}

func TestSanitizeBranch(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"main":                   "main",
		"feature/ABC-12_x":       "feature-ABC-12_x",
		"-weird//name":           "weird-name",
		strings.Repeat("a", 200): strings.Repeat("a", 128),
	}
	for in, want := range cases {
		if got := SanitizeBranch(in); got != want {
			t.Errorf("SanitizeBranch(%q) = %q, want %q", in, got, want)
		}
	}
}
