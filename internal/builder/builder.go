// Package builder builds container images into an OCI image layout on disk
// with one of two backends behind the Builder interface: docker buildx,
// where a Docker daemon answers (GitHub-hosted runners), or buildah, which
// needs no daemon. The registry package pushes the layout; builders never
// push, so tags are only ever written after every platform has built.
package builder

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// KV is one build arg or label.
type KV struct{ Key, Value string }

// Request describes one build.
type Request struct {
	// Context is the build context directory.
	Context string
	// Dockerfile is the Dockerfile path (absolute or relative to Context).
	Dockerfile string
	// Platforms such as linux/amd64; more than one gives a manifest list.
	// Empty builds for the builder's own platform.
	Platforms []string
	BuildArgs []KV
	Labels    []KV
	// Target is the stage to build; empty is the last one.
	Target string
	// Timestamp (Unix seconds) is used as the creation time of the image
	// and its files, so rebuilding the same input gives the same digest.
	Timestamp int64
	// OutDir receives the OCI image layout. It must not exist yet.
	OutDir string
	// InsecureRegistries are registry hosts (loopback registries in tests
	// and the sandbox) base images may be pulled from over plain HTTP.
	InsecureRegistries []string
}

// Builder builds an image into an OCI layout.
type Builder interface {
	// Name is "buildah" or "docker".
	Name() string
	// Build runs the build. A failing Dockerfile is a *BuildError.
	Build(ctx context.Context, req Request) error
}

// BuildError is a build that ran and failed (a Dockerfile step, a missing
// file): a negative verdict on the user's build, not a tool failure.
type BuildError struct {
	Builder string
	Output  string
}

// Error implements the error interface.
func (e *BuildError) Error() string {
	return fmt.Sprintf("%s build failed: %s", e.Builder, e.Output)
}

// Exec runs a program and returns its standard output; on failure the error
// carries the tail of its standard error. Log, when not nil, receives the
// program's standard error as it runs (build progress).
type Exec func(ctx context.Context, log io.Writer, env []string, name string, args ...string) (string, error)

// ExecError is a program that exited non-zero.
type ExecError struct {
	Program string
	Stderr  string
	Err     error
}

// Error implements the error interface.
func (e *ExecError) Error() string {
	return fmt.Sprintf("%s: %s", e.Program, tail(e.Stderr, 6))
}

// Unwrap returns the underlying error.
func (e *ExecError) Unwrap() error { return e.Err }

// OSExec runs programs with os/exec.
func OSExec(ctx context.Context, log io.Writer, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	if log != nil {
		cmd.Stdout = io.MultiWriter(&out, log)
		cmd.Stderr = io.MultiWriter(&errb, log)
	} else {
		cmd.Stderr = &errb
	}
	if err := cmd.Run(); err != nil {
		return out.String(), &ExecError{Program: name, Stderr: errb.String(), Err: err}
	}
	return out.String(), nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	lines := strings.Split(s, "\n")
	var keep []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	return strings.Join(keep, " | ")
}

// Names lists the accepted values of the builder input.
var Names = []string{"auto", "buildah", "docker"}

// Options configure Detect and the backends.
type Options struct {
	// Exec runs programs; nil is OSExec.
	Exec Exec
	// Log receives build progress; nil discards it.
	Log io.Writer
	// StorageRoot is buildah's storage directory; empty uses a fresh
	// directory under TMPDIR, removed after the build.
	StorageRoot string
	// StorageDriver for buildah; empty is "vfs", which works everywhere
	// (containers, no fuse-overlayfs), at the cost of disk space.
	StorageDriver string
	// Isolation for buildah RUN steps; empty is "chroot".
	Isolation string
	// ProbeTimeout bounds the docker daemon probe; 0 is 5s.
	ProbeTimeout time.Duration
}

func (o Options) exec() Exec {
	if o.Exec == nil {
		return OSExec
	}
	return o.Exec
}

// UnavailableError is a builder that was asked for but cannot run here.
type UnavailableError struct {
	Name   string
	Reason string
}

// Error implements the error interface.
func (e *UnavailableError) Error() string {
	return fmt.Sprintf("builder %s is not usable here: %s", e.Name, e.Reason)
}

// Detect returns the builder for name ("auto", "docker", "buildah").
// auto picks docker buildx when a daemon answers, else buildah.
func Detect(ctx context.Context, name string, o Options) (Builder, error) {
	switch name {
	case "docker":
		if reason := dockerProbe(ctx, o); reason != "" {
			return nil, &UnavailableError{Name: "docker", Reason: reason}
		}
		return &Docker{opts: o}, nil
	case "buildah":
		if _, err := o.exec()(ctx, nil, nil, "buildah", "--version"); err != nil {
			return nil, &UnavailableError{Name: "buildah", Reason: "the buildah program does not run (install the buildah package)"}
		}
		return &Buildah{opts: o}, nil
	case "auto", "":
		if dockerProbe(ctx, o) == "" {
			return &Docker{opts: o}, nil
		}
		if _, err := o.exec()(ctx, nil, nil, "buildah", "--version"); err == nil {
			return &Buildah{opts: o}, nil
		}
		return nil, &UnavailableError{Name: "auto", Reason: "no Docker daemon answers and buildah is not installed; install buildah or start Docker"}
	}
	return nil, fmt.Errorf("unknown builder %q; use one of %s", name, strings.Join(Names, ", "))
}

func dockerProbe(ctx context.Context, o Options) string {
	d := o.ProbeTimeout
	if d == 0 {
		d = 5 * time.Second
	}
	pctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if _, err := o.exec()(pctx, nil, nil, "docker", "info", "--format", "{{.ServerVersion}}"); err != nil {
		return "no Docker daemon answers (docker info failed)"
	}
	if _, err := o.exec()(pctx, nil, nil, "docker", "buildx", "version"); err != nil {
		return "the docker buildx plugin is missing"
	}
	return ""
}

// Buildah builds with buildah (daemonless).
type Buildah struct{ opts Options }

// NewBuildah returns the buildah backend without probing for it.
func NewBuildah(o Options) *Buildah { return &Buildah{opts: o} }

// Name returns "buildah".
func (b *Buildah) Name() string { return "buildah" }

// Build runs `buildah bud` and writes the result with `buildah push` (one
// platform) or `buildah manifest push --all` (a manifest list) to an OCI
// layout directory.
func (b *Buildah) Build(ctx context.Context, req Request) error {
	root, runroot := b.opts.StorageRoot, ""
	if root == "" {
		tmp, err := os.MkdirTemp("", "ecsflow-buildah-")
		if err != nil {
			return fmt.Errorf("failed to create buildah storage: %w", err)
		}
		defer os.RemoveAll(tmp)
		root = filepath.Join(tmp, "root")
		runroot = filepath.Join(tmp, "run")
	} else {
		runroot = root + "-run"
	}
	driver := b.opts.StorageDriver
	if driver == "" {
		driver = "vfs"
	}
	global := []string{"--root", root, "--runroot", runroot, "--storage-driver", driver}
	name := fmt.Sprintf("localhost/ecsflow-build-%d-%d", os.Getpid(), time.Now().UnixNano())
	args, env := b.budArgs(req, name)
	run := b.opts.exec()
	if _, err := run(ctx, b.opts.Log, env, "buildah", append(global, args...)...); err != nil {
		return asBuildError("buildah", err)
	}
	var push []string
	if len(req.Platforms) > 1 {
		push = append(global, "manifest", "push", "--all", "--quiet", name, "oci:"+req.OutDir)
	} else {
		push = append(global, "push", "--quiet", name, "oci:"+req.OutDir)
	}
	if _, err := run(ctx, b.opts.Log, env, "buildah", push...); err != nil {
		return fmt.Errorf("failed to export the built image: %w", err)
	}
	if b.opts.StorageRoot != "" {
		// Shared storage: drop the name so the next build starts clean.
		if len(req.Platforms) > 1 {
			_, _ = run(ctx, nil, env, "buildah", append(global, "manifest", "rm", name)...)
		} else {
			_, _ = run(ctx, nil, env, "buildah", append(global, "rmi", name)...)
		}
	}
	return nil
}

func (b *Buildah) budArgs(req Request, name string) (args, env []string) {
	iso := b.opts.Isolation
	if iso == "" {
		iso = "chroot"
	}
	args = []string{"bud", "--isolation", iso, "--layers=false", "--timestamp", strconv.FormatInt(req.Timestamp, 10)}
	df := req.Dockerfile
	if df == "" {
		df = "Dockerfile"
	}
	if !filepath.IsAbs(df) {
		df = filepath.Join(req.Context, df)
	}
	args = append(args, "--file", df)
	if len(req.Platforms) > 0 {
		args = append(args, "--platform", strings.Join(req.Platforms, ","))
	}
	for _, kv := range req.BuildArgs {
		args = append(args, "--build-arg", kv.Key+"="+kv.Value)
	}
	for _, kv := range req.Labels {
		args = append(args, "--label", kv.Key+"="+kv.Value)
	}
	if req.Target != "" {
		args = append(args, "--target", req.Target)
	}
	if len(req.InsecureRegistries) > 0 {
		args = append(args, "--tls-verify=false")
	}
	if len(req.Platforms) > 1 {
		args = append(args, "--manifest", name)
	} else {
		args = append(args, "--tag", name)
	}
	args = append(args, req.Context)
	env = []string{"BUILDAH_FORMAT=oci", "SOURCE_DATE_EPOCH=" + strconv.FormatInt(req.Timestamp, 10)}
	return args, env
}

// Docker builds with docker buildx (needs a daemon).
type Docker struct{ opts Options }

// NewDocker returns the docker buildx backend without probing for it.
func NewDocker(o Options) *Docker { return &Docker{opts: o} }

// Name returns "docker".
func (d *Docker) Name() string { return "docker" }

// Build runs `docker buildx build --output type=oci` and unpacks the
// archive into the layout directory.
func (d *Docker) Build(ctx context.Context, req Request) error {
	tmp, err := os.MkdirTemp("", "ecsflow-buildx-")
	if err != nil {
		return fmt.Errorf("failed to create a temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	archive := filepath.Join(tmp, "image.tar")
	if err := d.ensureBuilder(ctx); err != nil {
		return err
	}
	args, env := d.buildArgs(req, archive)
	if _, err := d.opts.exec()(ctx, d.opts.Log, env, "docker", args...); err != nil {
		return asBuildError("docker", err)
	}
	f, err := os.Open(archive)
	if err != nil {
		return fmt.Errorf("docker buildx wrote no OCI archive: %w", err)
	}
	defer f.Close()
	return Untar(f, req.OutDir)
}

// BuildxBuilder is the buildx builder instance the docker backend uses. The
// default "docker" driver cannot export OCI archives (without the
// containerd image store), so a docker-container builder is created once.
const BuildxBuilder = "ecsflow"

func (d *Docker) ensureBuilder(ctx context.Context) error {
	run := d.opts.exec()
	if _, err := run(ctx, nil, nil, "docker", "buildx", "inspect", BuildxBuilder); err == nil {
		return nil
	}
	if _, err := run(ctx, d.opts.Log, nil, "docker", "buildx", "create", "--name", BuildxBuilder, "--driver", "docker-container"); err != nil {
		return fmt.Errorf("failed to create the buildx builder %s (docker-container driver): %w", BuildxBuilder, err)
	}
	return nil
}

func (d *Docker) buildArgs(req Request, archive string) (args, env []string) {
	df := req.Dockerfile
	if df == "" {
		df = "Dockerfile"
	}
	if !filepath.IsAbs(df) {
		df = filepath.Join(req.Context, df)
	}
	args = []string{"buildx", "build", "--builder", BuildxBuilder, "--file", df,
		// Attestation manifests would change the digest on every run and
		// turn single-platform images into lists.
		"--provenance=false", "--sbom=false",
		"--output", "type=oci,dest=" + archive + ",rewrite-timestamp=true"}
	if len(req.Platforms) > 0 {
		args = append(args, "--platform", strings.Join(req.Platforms, ","))
	}
	for _, kv := range req.BuildArgs {
		args = append(args, "--build-arg", kv.Key+"="+kv.Value)
	}
	for _, kv := range req.Labels {
		args = append(args, "--label", kv.Key+"="+kv.Value)
	}
	if req.Target != "" {
		args = append(args, "--target", req.Target)
	}
	args = append(args, req.Context)
	env = []string{"SOURCE_DATE_EPOCH=" + strconv.FormatInt(req.Timestamp, 10)}
	return args, env
}

func asBuildError(name string, err error) error {
	var ee *ExecError
	if errors.As(err, &ee) {
		var xe *exec.ExitError
		if errors.As(ee.Err, &xe) {
			return &BuildError{Builder: name, Output: tail(ee.Stderr, 4)}
		}
	}
	return fmt.Errorf("failed to run %s: %w", name, err)
}

// Untar extracts an OCI archive into dir, refusing paths that escape it.
func Untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("failed to read the OCI archive: %w", err)
		}
		p := filepath.Join(dir, filepath.Clean("/"+h.Name))
		if !strings.HasPrefix(p, filepath.Clean(dir)+string(os.PathSeparator)) {
			return fmt.Errorf("OCI archive entry %q escapes the output directory", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		}
	}
}
