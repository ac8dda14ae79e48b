package buildpush

import (
	"os"
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

// A Dockerfile outside the build context, as ecsflow.yaml allows
// (images.<name>.dockerfile anywhere in the repository) and the workflows
// pass it (relative to the context, ../docker/app.Dockerfile): build-push
// builds from it, and a change to it is a change of the image.
func TestDockerfileOutsideTheContext(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	app := fixture(t)
	ws := filepath.Dir(app)
	docker := filepath.Join(ws, "docker")
	if err := os.MkdirAll(docker, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(app, "Dockerfile"), filepath.Join(docker, "app.Dockerfile")); err != nil {
		t.Fatal(err)
	}
	build := func(sha string) run {
		return runAction(t, Deps{}, map[string]string{"GITHUB_WORKSPACE": ws, "GITHUB_SHA": sha},
			"--context", "app", "--dockerfile", "../docker/app.Dockerfile", "--repository", "shop/app", "--registry", host,
			"--builder", "buildah", "--ecr", "false", "--tags", "sha", "--platforms", "linux/amd64")
	}
	r1 := build(strings.Repeat("a", 40))
	wantCode(t, r1, exitcode.OK)
	if r1.res.Outcome != "built" {
		t.Fatalf("outcome %q, want built", r1.res.Outcome)
	}
	df, err := os.ReadFile(filepath.Join(docker, "app.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docker, "app.Dockerfile"), append(df, []byte("LABEL changed=yes\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := build(strings.Repeat("b", 40))
	wantCode(t, r2, exitcode.OK)
	if r2.res.Outcome != "built" || r2.out["context-digest"] == r1.out["context-digest"] {
		t.Fatalf("changed Dockerfile outside the context: outcome %q, context digest %s (was %s)", r2.res.Outcome, r2.out["context-digest"], r1.out["context-digest"])
	}
}
