package buildctx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func baseFS() fstest.MapFS {
	return fstest.MapFS{
		"Dockerfile":        {Data: []byte("FROM scratch\nCOPY . /\n")},
		".dockerignore":     {Data: []byte("# comment\n*.log\nnode_modules\ndocs/**\n!docs/keep.md\n")},
		"app/main.txt":      {Data: []byte("hello")},
		"app/run.sh":        {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"debug.log":         {Data: []byte("noise")},
		"node_modules/x/y":  {Data: []byte("dep")},
		"docs/readme.md":    {Data: []byte("docs")},
		"docs/keep.md":      {Data: []byte("kept")},
		"sub/dir/inner.log": {Data: []byte("inner log is kept: *.log matches only the root")},
	}
}

func compute(t *testing.T, fsys fstest.MapFS, s Spec) Result {
	t.Helper()
	r, err := ComputeFS(fsys, s, func() ([]byte, error) { return fsys["Dockerfile"].Data, nil })
	if err != nil {
		t.Fatalf("ComputeFS: %v", err)
	}
	return r
}

func TestDigestChanges(t *testing.T) {
	t.Parallel()
	spec := Spec{BuildArgs: []KV{{"A", "1"}, {"B", "2"}}, Platforms: []string{"linux/amd64", "linux/arm64"}}
	base := compute(t, baseFS(), spec)
	if !strings.HasPrefix(base.Digest, "sha256:") || len(base.Hex()) != 64 {
		t.Fatalf("digest %q is not sha256:<64 hex>", base.Digest)
	}
	// Dockerfile, .dockerignore, app/main.txt, app/run.sh, docs/keep.md, sub/dir/inner.log
	if base.Files != 6 {
		t.Errorf("Files = %d, want 6 (ignored files must not count)", base.Files)
	}
	cases := []struct {
		name    string
		mutate  func(fstest.MapFS, *Spec)
		changes bool
	}{
		{"ignored file edited", func(f fstest.MapFS, _ *Spec) { f["debug.log"] = &fstest.MapFile{Data: []byte("other")} }, false},
		{"ignored directory edited", func(f fstest.MapFS, _ *Spec) { f["node_modules/z"] = &fstest.MapFile{Data: []byte("new")} }, false},
		{"ignored glob edited", func(f fstest.MapFS, _ *Spec) { f["docs/readme.md"] = &fstest.MapFile{Data: []byte("x")} }, false},
		{"build arg order", func(_ fstest.MapFS, s *Spec) { s.BuildArgs = []KV{{"B", "2"}, {"A", "1"}} }, false},
		{"platform order", func(_ fstest.MapFS, s *Spec) { s.Platforms = []string{"linux/arm64", "linux/amd64"} }, false},
		{"re-included file edited", func(f fstest.MapFS, _ *Spec) { f["docs/keep.md"] = &fstest.MapFile{Data: []byte("changed")} }, true},
		{"nested log kept", func(f fstest.MapFS, _ *Spec) { f["sub/dir/inner.log"] = &fstest.MapFile{Data: []byte("changed")} }, true},
		{"context file edited", func(f fstest.MapFS, _ *Spec) { f["app/main.txt"] = &fstest.MapFile{Data: []byte("hello!")} }, true},
		{"file added", func(f fstest.MapFS, _ *Spec) { f["app/new.txt"] = &fstest.MapFile{Data: []byte("")} }, true},
		{"file renamed", func(f fstest.MapFS, _ *Spec) { f["app/main2.txt"] = f["app/main.txt"]; delete(f, "app/main.txt") }, true},
		{"executable bit", func(f fstest.MapFS, _ *Spec) { f["app/main.txt"] = &fstest.MapFile{Data: []byte("hello"), Mode: 0o755} }, true},
		{"dockerfile edited", func(f fstest.MapFS, _ *Spec) { f["Dockerfile"] = &fstest.MapFile{Data: []byte("FROM scratch\n")} }, true},
		{"build arg value", func(_ fstest.MapFS, s *Spec) { s.BuildArgs = []KV{{"A", "1"}, {"B", "3"}} }, true},
		{"label", func(_ fstest.MapFS, s *Spec) { s.Labels = []KV{{"team", "x"}} }, true},
		{"platform removed", func(_ fstest.MapFS, s *Spec) { s.Platforms = []string{"linux/amd64"} }, true},
		{"source commit", func(_ fstest.MapFS, s *Spec) { s.SourceURL, s.SourceCommit = "https://x/y", strings.Repeat("a", 40) }, true},
		{"patch", func(_ fstest.MapFS, s *Spec) { s.Patches = []Patch{{Name: "01.patch", Content: []byte("diff")}} }, true},
		{"target", func(_ fstest.MapFS, s *Spec) { s.Target = "prod" }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fsys := baseFS()
			s := spec
			s.BuildArgs = append([]KV(nil), spec.BuildArgs...)
			tc.mutate(fsys, &s)
			got := compute(t, fsys, s)
			if changed := got.Digest != base.Digest; changed != tc.changes {
				t.Fatalf("digest changed = %v, want %v", changed, tc.changes)
			}
		})
	}
}

func TestIgnore(t *testing.T) {
	t.Parallel()
	ig, err := ParseIgnore(strings.NewReader("**/*.tmp\n/build\n!build/keep\ncache?\n[ab].txt\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		"x.tmp": true, "a/b/c.tmp": true, "build": true, "build/out": true, "build/keep": false,
		"cache1": true, "cache12": false, "a.txt": true, "c.txt": false, "src/build": false,
	}
	for p, want := range cases {
		if got := ig.Excluded(p); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestComputeOnDiskAndPatches(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644))
	must(os.Symlink("a.txt", filepath.Join(dir, "link")))
	r1, err := Compute(Spec{Context: dir})
	must(err)
	must(os.Remove(filepath.Join(dir, "link")))
	must(os.Symlink("Dockerfile", filepath.Join(dir, "link")))
	r2, err := Compute(Spec{Context: dir})
	must(err)
	if r1.Digest == r2.Digest {
		t.Error("changing a symlink target must change the digest")
	}
	if _, err := Compute(Spec{Context: dir, Dockerfile: "missing.Dockerfile"}); err == nil {
		t.Error("missing Dockerfile must be an error")
	}

	pd := t.TempDir()
	must(os.WriteFile(filepath.Join(pd, "02-b.patch"), []byte("b"), 0o644))
	must(os.WriteFile(filepath.Join(pd, "01-a.diff"), []byte("a"), 0o644))
	must(os.WriteFile(filepath.Join(pd, "README.md"), []byte("not a patch"), 0o644))
	ps, err := ReadPatches(pd)
	must(err)
	if len(ps) != 2 || ps[0].Name != "01-a.diff" || ps[1].Name != "02-b.patch" {
		t.Fatalf("ReadPatches = %+v, want 01-a.diff then 02-b.patch", ps)
	}
}
