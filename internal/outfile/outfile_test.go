package outfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/outfile"
)

func TestWriteFileStaysInTheRoots(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		path func(ws, tmp, outside string) string
		want func(ws, tmp, outside string) string // "" when refused
	}{
		{"relative", func(_, _, _ string) string { return "a.txt" }, func(ws, _, _ string) string { return filepath.Join(ws, "a.txt") }},
		{"relative, new directories", func(_, _, _ string) string { return "x/y/a.txt" }, func(ws, _, _ string) string { return filepath.Join(ws, "x/y/a.txt") }},
		{"relative with an inner ..", func(_, _, _ string) string { return "x/../b.txt" }, func(ws, _, _ string) string { return filepath.Join(ws, "b.txt") }},
		{"absolute in the workspace", func(ws, _, _ string) string { return filepath.Join(ws, "c.txt") }, func(ws, _, _ string) string { return filepath.Join(ws, "c.txt") }},
		{"absolute in temp", func(_, tmp, _ string) string { return filepath.Join(tmp, "r/d.txt") }, func(_, tmp, _ string) string { return filepath.Join(tmp, "r/d.txt") }},
		{"relative escape", func(_, _, _ string) string { return "../e.txt" }, nil},
		{"relative escape into temp", func(ws, tmp, _ string) string { r, _ := filepath.Rel(ws, filepath.Join(tmp, "f.txt")); return r }, nil},
		{"absolute outside", func(_, _, o string) string { return filepath.Join(o, "g.txt") }, nil},
		{"absolute with .. out", func(ws, _, _ string) string { return ws + "/../h.txt" }, nil},
		{"the workspace itself", func(ws, _, _ string) string { return ws }, nil},
		{"empty", func(_, _, _ string) string { return "" }, nil},
		{"through a directory link", func(_, _, _ string) string { return "dirlink/i.txt" }, nil},
		{"through a deeper directory link", func(_, _, _ string) string { return "dirlink/new/j.txt" }, nil},
		{"onto a file link", func(_, _, _ string) string { return "filelink.txt" }, nil},
		{"onto a dangling link", func(_, _, _ string) string { return "dangling.txt" }, nil},
		{"link inside the workspace", func(_, _, _ string) string { return "innerlink/k.txt" }, func(ws, _, _ string) string { return filepath.Join(ws, "inner/k.txt") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws, tmp, outside := t.TempDir(), t.TempDir(), t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(outside, "existing.txt"), []byte("keep"), 0o644))
			require.NoError(t, os.Mkdir(filepath.Join(ws, "inner"), 0o755))
			require.NoError(t, os.Symlink(outside, filepath.Join(ws, "dirlink")))
			require.NoError(t, os.Symlink(filepath.Join(outside, "existing.txt"), filepath.Join(ws, "filelink.txt")))
			require.NoError(t, os.Symlink(filepath.Join(outside, "absent.txt"), filepath.Join(ws, "dangling.txt")))
			require.NoError(t, os.Symlink("inner", filepath.Join(ws, "innerlink")))
			r := outfile.Roots{Workspace: ws, Temp: tmp}
			p := tc.path(ws, tmp, outside)
			resolved, rerr := r.Resolve(p)
			werr := r.WriteFile(p, []byte("data"))
			if tc.want == nil {
				var oe *outfile.OutsideError
				require.ErrorAs(t, rerr, &oe, "Resolve refuses %q", p)
				require.ErrorAs(t, werr, &oe, "WriteFile refuses %q", p)
				assert.Contains(t, oe.Error(), outfile.Rule)
				entries, _ := os.ReadDir(outside)
				assert.Len(t, entries, 1, "nothing new outside")
				b, _ := os.ReadFile(filepath.Join(outside, "existing.txt"))
				assert.Equal(t, "keep", string(b))
				_, err := os.Stat(filepath.Join(filepath.Dir(ws), "h.txt"))
				assert.True(t, os.IsNotExist(err))
				return
			}
			require.NoError(t, rerr)
			require.NoError(t, werr)
			b, err := os.ReadFile(tc.want(ws, tmp, outside))
			require.NoError(t, err)
			assert.Equal(t, "data", string(b))
			real, err := filepath.EvalSymlinks(resolved)
			require.NoError(t, err)
			wantReal, err := filepath.EvalSymlinks(tc.want(ws, tmp, outside))
			require.NoError(t, err)
			assert.Equal(t, wantReal, real)
		})
	}
}

// Outside Actions the working directory is the workspace and the system's
// temp directory the temp root.
func TestFromEnv(t *testing.T) {
	t.Parallel()
	r := outfile.FromEnv(func(string) string { return "" })
	assert.Equal(t, outfile.Roots{Workspace: ".", Temp: os.TempDir()}, r)
	r = outfile.FromEnv(func(k string) string {
		return map[string]string{"GITHUB_WORKSPACE": "/w", "RUNNER_TEMP": "/t"}[k]
	})
	assert.Equal(t, outfile.Roots{Workspace: "/w", Temp: "/t"}, r)
}

func TestReadPathIsTakenFromTheWorkspace(t *testing.T) {
	t.Parallel()
	r := outfile.Roots{Workspace: "/ws", Temp: "/tmp/runner"}
	cases := []struct{ in, want string }{
		{"infra/dev.tfvars", "/ws/infra/dev.tfvars"},
		{"./a/../b.json", "/ws/b.json"},
		{"/elsewhere/terraform.tfstate", "/elsewhere/terraform.tfstate"},
		{"", ""},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, r.ReadPath(tc.in), tc.in)
	}
	cwd := outfile.FromEnv(func(string) string { return "" })
	require.Equal(t, filepath.Join(".", "x.tf"), cwd.ReadPath("x.tf"), "outside Actions the workspace is the current directory")
}
