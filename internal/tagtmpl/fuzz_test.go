package tagtmpl

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// ociTag is the tag grammar of the OCI distribution specification
// (content-discovery: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}), written out here
// apart from the package's own pattern.
var ociTag = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// FuzzResolve resolves arbitrary templates against arbitrary facts: every
// tag returned is a valid OCI tag, tags are unique, at least one is
// returned, and a failure is an *Error. A branch name always sanitises to
// a valid tag or to nothing, and sanitising is idempotent.
func FuzzResolve(f *testing.F) {
	f.Fuzz(func(t *testing.T, templates, sha, ref, headRef, gitTag, envVal string) {
		facts := Facts{SHA: sha, Ref: ref, HeadRef: headRef, Tags: []string{gitTag},
			Getenv: func(string) string { return envVal }}
		tags, err := Resolve(strings.Split(templates, ","), facts)
		if err != nil {
			var te *Error
			require.True(t, errors.As(err, &te), "%T is not a *tagtmpl.Error", err)
			require.Empty(t, tags)
		} else {
			require.NotEmpty(t, tags)
			seen := map[string]bool{}
			for _, tag := range tags {
				require.Regexp(t, ociTag, tag)
				require.False(t, seen[tag], "tag %q twice", tag)
				seen[tag] = true
			}
		}
		s := SanitizeBranch(headRef)
		if s != "" {
			require.Regexp(t, ociTag, s)
		}
		require.Equal(t, s, SanitizeBranch(s))
		if v, ok := Semver(gitTag); ok {
			require.Regexp(t, ociTag, v)
		}
	})
}
