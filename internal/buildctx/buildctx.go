// Package buildctx computes the content digest of a build: the files of the
// build context that survive .dockerignore, the Dockerfile, build args,
// labels, platforms, and, for an external source, its commit and patches.
// Two builds with the same digest produce the same image, so the digest,
// stored as an image label, lets build-push skip a build it has done before.
package buildctx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Label is the image label that carries the context digest.
const Label = "io.ecsflow.context-digest"

// version is mixed into every digest; bump it when the recipe changes so
// old digests no longer match.
const version = "ecsflow-context-v1"

// KV is one build arg or label.
type KV struct{ Key, Value string }

// Patch is one patch applied to an external source.
type Patch struct {
	Name    string
	Content []byte
}

// Spec is everything that decides what a build produces.
type Spec struct {
	// Context is the build context directory.
	Context string
	// Dockerfile is the Dockerfile path (absolute, or relative to Context).
	Dockerfile string
	BuildArgs  []KV
	Labels     []KV
	Platforms  []string
	// SourceURL and SourceCommit describe an external source, if any.
	SourceURL    string
	SourceCommit string
	Patches      []Patch
	// Target is the Dockerfile stage to build; empty is the last stage.
	Target string
}

// Result is a computed digest and what went into it.
type Result struct {
	// Digest is "sha256:<hex>".
	Digest string
	// Files is the number of context files hashed.
	Files int
	// Bytes is their total size.
	Bytes int64
}

// Hex returns the digest without its "sha256:" prefix.
func (r Result) Hex() string { return strings.TrimPrefix(r.Digest, "sha256:") }

// DockerfilePath returns the Dockerfile path resolved against the context.
func (s Spec) DockerfilePath() string {
	df := s.Dockerfile
	if df == "" {
		df = "Dockerfile"
	}
	if filepath.IsAbs(df) {
		return df
	}
	return filepath.Join(s.Context, df)
}

// Compute hashes the build described by s. It reads the context from disk.
func Compute(s Spec) (Result, error) {
	return ComputeFS(os.DirFS(s.Context), s, func() ([]byte, error) { return os.ReadFile(s.DockerfilePath()) })
}

// ComputeFS hashes the build with the context given as an fs.FS and a
// function that reads the Dockerfile (which may live outside the context).
func ComputeFS(ctxFS fs.FS, s Spec, readDockerfile func() ([]byte, error)) (Result, error) {
	df, err := readDockerfile()
	if err != nil {
		return Result{}, fmt.Errorf("failed to read the Dockerfile: %w", err)
	}
	ig, err := readIgnore(ctxFS)
	if err != nil {
		return Result{}, err
	}
	h := hasher{sha256.New()}
	h.spec(s, df)
	res := Result{}
	if err := fs.WalkDir(ctxFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return h.entry(ctxFS, ig, p, d, &res)
	}); err != nil {
		return Result{}, fmt.Errorf("failed to read the build context: %w", err)
	}
	res.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return res, nil
}

// readIgnore reads the context's .dockerignore; none excludes nothing.
func readIgnore(ctxFS fs.FS) (*Ignore, error) {
	data, err := fs.ReadFile(ctxFS, ".dockerignore")
	if errors.Is(err, fs.ErrNotExist) {
		return &Ignore{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read .dockerignore: %w", err)
	}
	ig, err := ParseIgnore(strings.NewReader(string(data)))
	if err != nil {
		return nil, fmt.Errorf("failed to parse .dockerignore: %w", err)
	}
	return ig, nil
}

// hasher builds the digest from length-prefixed fields, so no two
// different inputs hash alike.
type hasher struct{ hash.Hash }

func (h hasher) field(kind string, parts ...string) {
	fmt.Fprintf(h, "%s %d\n", kind, len(parts))
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
}

// spec hashes everything but the context's files: the Dockerfile and the
// build's settings, each in a fixed order.
func (h hasher) spec(s Spec, df []byte) {
	h.field("version", version)
	h.field("dockerfile", string(df))
	h.field("target", s.Target)
	for _, kv := range sortedKV(s.BuildArgs) {
		h.field("arg", kv.Key, kv.Value)
	}
	for _, kv := range sortedKV(s.Labels) {
		h.field("label", kv.Key, kv.Value)
	}
	plats := append([]string(nil), s.Platforms...)
	sort.Strings(plats)
	h.field("platforms", plats...)
	h.field("source", s.SourceURL, s.SourceCommit)
	for _, p := range s.Patches {
		sum := sha256.Sum256(p.Content)
		h.field("patch", p.Name, hex.EncodeToString(sum[:]))
	}
}

// entry hashes one entry of the context walk, skipping what .dockerignore
// excludes (a whole directory only when no exception can bring part of it
// back), and counts the files and bytes into res.
func (h hasher) entry(ctxFS fs.FS, ig *Ignore, p string, d fs.DirEntry, res *Result) error {
	if p == "." {
		return nil
	}
	if ig.Excluded(p) {
		if d.IsDir() && !ig.HasExceptions() {
			return fs.SkipDir
		}
		if !d.IsDir() {
			return nil
		}
	}
	info, err := d.Info()
	if err != nil {
		return err
	}
	switch {
	case d.IsDir():
		if !ig.Excluded(p) {
			h.field("dir", p, fmt.Sprintf("%o", info.Mode().Perm()))
		}
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := readLink(ctxFS, p)
		if err != nil {
			return err
		}
		h.field("symlink", p, target)
		res.Files++
	case info.Mode().IsRegular():
		n, sum, err := hashFile(ctxFS, p)
		if err != nil {
			return err
		}
		// Only the executable bit survives into most images reliably.
		h.field("file", p, fmt.Sprintf("%t", info.Mode().Perm()&0o111 != 0), sum)
		res.Files++
		res.Bytes += n
	}
	return nil
}

// hashFile returns the size and hex SHA-256 of one file of the context.
func hashFile(ctxFS fs.FS, p string) (int64, string, error) {
	fh := sha256.New()
	f, err := ctxFS.Open(p)
	if err != nil {
		return 0, "", err
	}
	n, err := io.Copy(fh, f)
	f.Close()
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(fh.Sum(nil)), nil
}

func readLink(fsys fs.FS, p string) (string, error) {
	if rl, ok := fsys.(fs.ReadLinkFS); ok {
		return rl.ReadLink(p)
	}
	return "", nil
}

func sortedKV(in []KV) []KV {
	out := append([]KV(nil), in...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// ReadPatches reads the patch files of dir (*.patch and *.diff), sorted by
// name, which is the order they are applied in.
func ReadPatches(dir string) ([]Patch, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Patch
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		ext := path.Ext(e.Name())
		if ext != ".patch" && ext != ".diff" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, Patch{Name: e.Name(), Content: data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
