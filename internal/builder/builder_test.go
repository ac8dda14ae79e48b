package builder

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeExec records calls and answers from a table keyed by program and
// first argument.
type fakeExec struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]bool
	hook  func(args []string)
}

func (f *fakeExec) run(_ context.Context, _ io.Writer, _ []string, name string, args ...string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := name + " " + strings.Join(args, " ")
	f.calls = append(f.calls, key)
	for prefix := range f.fail {
		if strings.HasPrefix(key, prefix) {
			return "", &ExecError{Program: name, Stderr: "boom", Err: errors.New("exit status 1")}
		}
	}
	if f.hook != nil {
		f.hook(args)
	}
	return "", nil
}

func TestDetect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, want, wantErr string
		fail                []string
	}{
		{name: "auto", want: "docker"},
		{name: "auto", fail: []string{"docker info"}, want: "buildah"},
		{name: "auto", fail: []string{"docker buildx"}, want: "buildah"},
		{name: "auto", fail: []string{"docker info", "buildah"}, wantErr: "no Docker daemon answers and buildah is not installed"},
		{name: "docker", fail: []string{"docker info"}, wantErr: "builder docker is not usable here: no Docker daemon answers"},
		{name: "buildah", want: "buildah"},
		{name: "buildah", fail: []string{"buildah"}, wantErr: "builder buildah is not usable here"},
		{name: "kaniko", wantErr: `unknown builder "kaniko"; use one of auto, buildah, docker`},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/"+strings.Join(tc.fail, "+"), func(t *testing.T) {
			t.Parallel()
			fe := &fakeExec{fail: map[string]bool{}}
			for _, f := range tc.fail {
				fe.fail[f] = true
			}
			b, err := Detect(context.Background(), tc.name, Options{Exec: fe.run})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Detect error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || b.Name() != tc.want {
				t.Fatalf("Detect = %v, %v; want %s", b, err, tc.want)
			}
		})
	}
}

func TestDockerBuildArgsAndUnpack(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "layout")
	fe := &fakeExec{fail: map[string]bool{"docker buildx inspect": true}, hook: func(args []string) {
		// Play buildx: write an OCI archive where --output says.
		for _, a := range args {
			if dest, ok := strings.CutPrefix(a, "type=oci,dest="); ok {
				dest = strings.Split(dest, ",")[0]
				var buf bytes.Buffer
				tw := tar.NewWriter(&buf)
				for name, body := range map[string]string{"index.json": `{"schemaVersion":2,"manifests":[]}`, "oci-layout": `{"imageLayoutVersion":"1.0.0"}`} {
					_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
					_, _ = tw.Write([]byte(body))
				}
				_ = tw.Close()
				_ = os.WriteFile(dest, buf.Bytes(), 0o644)
			}
		}
	}}
	d := NewDocker(Options{Exec: fe.run})
	err := d.Build(context.Background(), Request{
		Context: "/ctx", Dockerfile: "svc/Dockerfile", Platforms: []string{"linux/amd64", "linux/arm64"},
		BuildArgs: []KV{{"A", "1"}}, Labels: []KV{{"io.ecsflow.context-digest", "sha256:x"}}, Target: "prod", OutDir: out,
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if len(fe.calls) != 3 || fe.calls[1] != "docker buildx create --name ecsflow --driver docker-container" {
		t.Fatalf("calls = %q; want inspect, create, build", fe.calls)
	}
	call := fe.calls[2]
	for _, want := range []string{"docker buildx build --builder ecsflow", "--file /ctx/svc/Dockerfile", "--provenance=false", "--platform linux/amd64,linux/arm64",
		"--build-arg A=1", "--label io.ecsflow.context-digest=sha256:x", "--target prod", "type=oci,dest="} {
		if !strings.Contains(call, want) {
			t.Errorf("buildx call %q lacks %q", call, want)
		}
	}
	if !strings.HasSuffix(call, " /ctx") {
		t.Errorf("buildx call %q must end with the context", call)
	}
	if _, err := os.Stat(filepath.Join(out, "index.json")); err != nil {
		t.Errorf("archive not unpacked: %v", err)
	}
}

func TestUntarRefusesEscape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "../../etc/evil", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte("x"))
	_ = tw.Close()
	dir := t.TempDir()
	// Clean("/"+name) keeps the entry inside dir, so nothing escapes.
	if err := Untar(&buf, dir); err != nil {
		t.Fatalf("Untar: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "etc", "evil")); err != nil {
		t.Fatalf("entry should be confined to dir: %v", err)
	}
}

func needBuildah(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("buildah"); err != nil {
		t.Fatal("buildah is not installed; .ci/run installs it (apt-get install buildah)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("buildah builds with chroot isolation here need root")
	}
}

type ociIndex struct {
	Manifests []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
	} `json:"manifests"`
}

func readIndex(t *testing.T, dir string) ociIndex {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx ociIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestBuildahReal(t *testing.T) {
	needBuildah(t)
	t.Parallel()
	ctxDir, _ := filepath.Abs("testdata/app")
	build := func(t *testing.T, platforms []string, ctxDir string) (string, error) {
		out := filepath.Join(t.TempDir(), "layout")
		b := NewBuildah(Options{})
		err := b.Build(context.Background(), Request{Context: ctxDir, Platforms: platforms, Timestamp: 1700000000,
			Labels: []KV{{"io.ecsflow.test", "yes"}}, OutDir: out})
		return out, err
	}
	t.Run("single platform is reproducible", func(t *testing.T) {
		t.Parallel()
		a, err := build(t, []string{"linux/amd64"}, ctxDir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := build(t, []string{"linux/amd64"}, ctxDir)
		if err != nil {
			t.Fatal(err)
		}
		ia, ib := readIndex(t, a), readIndex(t, b)
		if len(ia.Manifests) != 1 || ia.Manifests[0].MediaType != "application/vnd.oci.image.manifest.v1+json" {
			t.Fatalf("layout index = %+v, want one image manifest", ia)
		}
		if ia.Manifests[0].Digest != ib.Manifests[0].Digest {
			t.Fatalf("two builds of the same input differ: %s vs %s", ia.Manifests[0].Digest, ib.Manifests[0].Digest)
		}
	})
	t.Run("multi platform gives one manifest list", func(t *testing.T) {
		t.Parallel()
		a, err := build(t, []string{"linux/amd64", "linux/arm64"}, ctxDir)
		if err != nil {
			t.Fatal(err)
		}
		ia := readIndex(t, a)
		if len(ia.Manifests) != 1 || ia.Manifests[0].MediaType != "application/vnd.oci.image.index.v1+json" {
			t.Fatalf("layout index = %+v, want one image index", ia)
		}
	})
	t.Run("one platform failing fails the build", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		for _, f := range []string{"Dockerfile", "hello.txt", "bin-amd64"} { // no bin-arm64
			data, _ := os.ReadFile(filepath.Join(ctxDir, f))
			_ = os.WriteFile(filepath.Join(dir, f), data, 0o644)
		}
		out, err := build(t, []string{"linux/amd64", "linux/arm64"}, dir)
		var be *BuildError
		if !errors.As(err, &be) || !strings.Contains(be.Output, "bin-arm64") {
			t.Fatalf("error = %v, want BuildError naming bin-arm64", err)
		}
		if _, err := os.Stat(filepath.Join(out, "index.json")); !os.IsNotExist(err) {
			t.Fatalf("a failed build must leave no layout (stat err %v)", err)
		}
	})
}
