package buildpush

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsflow/ecsflow/internal/exitcode"
)

// context is read relative to the workspace (GITHUB_WORKSPACE), not to the
// working directory, like every file input; dockerfile stays relative to
// the context.
func TestContextIsTakenFromTheWorkspace(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	cases := []struct {
		name string
		args []string
		want func(ws string) string
	}{
		// the context was found: the Dockerfile is looked for inside it
		{"context found in the workspace", []string{"--context", "app", "--dockerfile", "nope/Dockerfile"},
			func(ws string) string {
				return `input "dockerfile": value "nope/Dockerfile": does not exist at ` + filepath.Join(ws, "app", "nope", "Dockerfile")
			}},
		{"context missing", []string{"--context", "none"},
			func(ws string) string {
				return `input "context": value "none": does not exist (looked for ` + filepath.Join(ws, "none") + ")"
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := filepath.Dir(fixture(t))
			args := append([]string{"--repository", "web", "--registry", host, "--builder", "buildah", "--ecr", "false"}, tc.args...)
			r := runAction(t, Deps{}, map[string]string{"GITHUB_WORKSPACE": ws}, args...)
			wantCode(t, r, exitcode.BadInput)
			if !strings.Contains(r.stderr, tc.want(ws)) {
				t.Fatalf("stderr = %q, want %q", r.stderr, tc.want(ws))
			}
		})
	}
}
