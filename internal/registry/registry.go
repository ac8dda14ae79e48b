// Package registry pushes, tags, finds and promotes images through the OCI
// distribution API with go-containerregistry. Every write goes by digest
// first and tags last, so a failed push never leaves a tag on a partial
// image; tags are checked for conflicts before anything is written, and a
// promotion copies only the blobs the target lacks (mounting them when
// source and target share a registry).
package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ContextTagPrefix starts the tag that indexes an image by its build
// context digest: ctx-<64 hex>.
const ContextTagPrefix = "ctx-"

// ContextTag returns the index tag for a context digest ("sha256:<hex>").
func ContextTag(contextDigest string) string {
	return ContextTagPrefix + strings.TrimPrefix(contextDigest, "sha256:")
}

// Client talks to registries.
type Client struct {
	keychain  authn.Keychain
	transport http.RoundTripper
	jobs      int

	// One puller and one pusher per client reuse token exchanges and
	// registry pings across calls (a re-run is a handful of requests).
	once   sync.Once
	puller *remote.Puller
	pusher *remote.Pusher
	err    error
}

// Option configures a Client.
type Option func(*Client)

// WithKeychain sets where credentials come from (default: the Docker
// config file, as docker login and the login actions write it).
func WithKeychain(k authn.Keychain) Option { return func(c *Client) { c.keychain = k } }

// WithTransport sets the HTTP transport (tests count requests with it).
func WithTransport(t http.RoundTripper) Option { return func(c *Client) { c.transport = t } }

// WithJobs sets how many blobs move in parallel (default 4).
func WithJobs(n int) Option { return func(c *Client) { c.jobs = n } }

// New returns a Client.
func New(opts ...Option) *Client {
	c := &Client{keychain: authn.DefaultKeychain, transport: remote.DefaultTransport, jobs: 4}
	for _, o := range opts {
		o(c)
	}
	return c
}

func (c *Client) base() []remote.Option {
	return []remote.Option{
		remote.WithAuthFromKeychain(c.keychain),
		remote.WithTransport(c.transport),
		remote.WithJobs(c.jobs),
		remote.WithUserAgent("ecsflow-build-push"),
	}
}

func (c *Client) opts(ctx context.Context) []remote.Option {
	c.once.Do(func() {
		if c.puller, c.err = remote.NewPuller(c.base()...); c.err != nil {
			return
		}
		c.pusher, c.err = remote.NewPusher(c.base()...)
	})
	o := append(c.base(), remote.WithContext(ctx))
	if c.err == nil {
		o = append(o, remote.Reuse(c.puller), remote.Reuse(c.pusher))
	}
	return o
}

// Keychain maps registry hosts to fixed credentials and falls back to
// another keychain for the rest.
type Keychain struct {
	Hosts    map[string]authn.Authenticator
	Fallback authn.Keychain
}

// Resolve implements authn.Keychain.
func (k Keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if a, ok := k.Hosts[r.RegistryStr()]; ok {
		return a, nil
	}
	if k.Fallback == nil {
		return authn.Anonymous, nil
	}
	return k.Fallback.Resolve(r)
}

// Repository parses "host/name" into a repository. Loopback and private
// hosts are reached over plain HTTP, as go-containerregistry decides.
func Repository(host, repo string) (name.Repository, error) {
	if host == "" {
		return name.Repository{}, errors.New("registry host is empty")
	}
	opts := []name.Option{name.StrictValidation}
	if IsLoopback(host) {
		opts = append(opts, name.Insecure)
	}
	return name.NewRepository(host+"/"+repo, opts...)
}

// IsLoopback reports whether host (with or without port) is this machine.
func IsLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Artifact is an image or an image index ready to push.
type Artifact struct {
	Image v1.Image
	Index v1.ImageIndex
}

// IsIndex reports whether the artifact is a multi-platform manifest list.
func (a Artifact) IsIndex() bool { return a.Index != nil }

func (a Artifact) taggable() remote.Taggable {
	if a.Index != nil {
		return a.Index
	}
	return a.Image
}

// Digest returns the manifest digest.
func (a Artifact) Digest() (v1.Hash, error) {
	if a.Index != nil {
		return a.Index.Digest()
	}
	return a.Image.Digest()
}

// RawManifest returns the manifest bytes.
func (a Artifact) RawManifest() ([]byte, error) { return a.taggable().RawManifest() }

// MediaType returns the manifest media type.
func (a Artifact) MediaType() (types.MediaType, error) {
	if a.Index != nil {
		return a.Index.MediaType()
	}
	return a.Image.MediaType()
}

// Size returns the bytes of every distinct blob and manifest the artifact
// refers to (what a cold pull downloads, compressed).
func (a Artifact) Size() (int64, error) {
	seen := map[v1.Hash]bool{}
	var total int64
	addImage := func(img v1.Image) error {
		m, err := img.Manifest()
		if err != nil {
			return err
		}
		raw, err := img.RawManifest()
		if err != nil {
			return err
		}
		total += int64(len(raw))
		for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
			if !seen[d.Digest] {
				seen[d.Digest] = true
				total += d.Size
			}
		}
		return nil
	}
	if a.Index == nil {
		// total is read after addImage has run: the spec leaves the order of
		// a variable and a call in one return statement open.
		err := addImage(a.Image)
		return total, err
	}
	raw, err := a.Index.RawManifest()
	if err != nil {
		return 0, err
	}
	total += int64(len(raw))
	im, err := a.Index.IndexManifest()
	if err != nil {
		return 0, err
	}
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() {
			continue
		}
		img, err := a.Index.Image(d.Digest)
		if err != nil {
			return 0, err
		}
		if err := addImage(img); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// Labels returns the image config labels (of the first image of an index).
func (a Artifact) Labels() (map[string]string, error) {
	img := a.Image
	if a.Index != nil {
		im, err := a.Index.IndexManifest()
		if err != nil {
			return nil, err
		}
		for _, d := range im.Manifests {
			if d.MediaType.IsImage() {
				if img, err = a.Index.Image(d.Digest); err != nil {
					return nil, err
				}
				break
			}
		}
		if img == nil {
			return nil, errors.New("image index holds no image")
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	return cf.Config.Labels, nil
}

// Manifest is one image manifest of an artifact.
type Manifest struct {
	Digest    string
	MediaType string
	Raw       []byte
	// Platform is "linux/amd64" for the child of an index, else empty.
	Platform string
}

// ImageManifests returns the image manifests of the artifact: itself for
// an image, every platform image for an index.
func (a Artifact) ImageManifests() ([]Manifest, error) {
	one := func(img v1.Image, platform string) (Manifest, error) {
		d, err := img.Digest()
		if err != nil {
			return Manifest{}, err
		}
		mt, err := img.MediaType()
		if err != nil {
			return Manifest{}, err
		}
		raw, err := img.RawManifest()
		if err != nil {
			return Manifest{}, err
		}
		return Manifest{Digest: d.String(), MediaType: string(mt), Raw: raw, Platform: platform}, nil
	}
	if a.Index == nil {
		m, err := one(a.Image, "")
		return []Manifest{m}, err
	}
	im, err := a.Index.IndexManifest()
	if err != nil {
		return nil, err
	}
	var out []Manifest
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() {
			continue
		}
		img, err := a.Index.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		p := ""
		if d.Platform != nil {
			p = d.Platform.String()
		}
		m, err := one(img, p)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Platforms lists the platforms of an index ("linux/amd64"), or nil.
func (a Artifact) Platforms() []string {
	if a.Index == nil {
		return nil
	}
	im, err := a.Index.IndexManifest()
	if err != nil {
		return nil
	}
	var out []string
	for _, d := range im.Manifests {
		if d.Platform != nil {
			out = append(out, d.Platform.String())
		}
	}
	return out
}

// LoadLayout reads the image a builder wrote to an OCI layout directory:
// the single image or index its index.json names, or index.json itself when
// it lists several manifests.
func LoadLayout(dir string) (Artifact, error) {
	root, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return Artifact{}, fmt.Errorf("failed to read the OCI layout %s: %w", dir, err)
	}
	im, err := root.IndexManifest()
	if err != nil {
		return Artifact{}, fmt.Errorf("failed to read the OCI layout %s: %w", dir, err)
	}
	switch {
	case len(im.Manifests) == 0:
		return Artifact{}, fmt.Errorf("the OCI layout %s holds no image", dir)
	case len(im.Manifests) > 1:
		return Artifact{Index: root}, nil
	}
	d := im.Manifests[0]
	if d.MediaType.IsIndex() {
		idx, err := root.ImageIndex(d.Digest)
		if err != nil {
			return Artifact{}, err
		}
		return Artifact{Index: idx}, nil
	}
	img, err := root.Image(d.Digest)
	if err != nil {
		return Artifact{}, err
	}
	return Artifact{Image: img}, nil
}

// ConflictError is a tag that already names a different image. Tags are
// immutable here: build-push never moves them.
type ConflictError struct {
	Repository string
	Tag        string
	Existing   string
	Wanted     string
}

// Error implements the error interface.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("tag %s:%s already points at %s, not at %s; tags are immutable, so choose a new tag (for example short-sha) instead of overwriting", e.Repository, e.Tag, e.Existing, e.Wanted)
}

// AuthError is a registry that refused the credentials.
type AuthError struct {
	Registry string
	Status   int
	Err      error
}

// Error implements the error interface.
func (e *AuthError) Error() string {
	return fmt.Sprintf("registry %s refused the credentials (HTTP %d); log in to it (docker login, or the ECR token) with a user allowed to push", e.Registry, e.Status)
}

// Unwrap returns the underlying error.
func (e *AuthError) Unwrap() error { return e.Err }

// classify turns a registry's 401/403 into an *AuthError.
func classify(repo name.Repository, err error) error {
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		return &AuthError{Registry: repo.RegistryStr(), Status: te.StatusCode, Err: err}
	}
	return err
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// IsNotFound reports whether err is a registry's "no such manifest or
// repository" answer.
func IsNotFound(err error) bool { return isNotFound(err) }

// Resolve returns the digest a tag names, or ok=false when it does not exist.
func (c *Client) Resolve(ctx context.Context, repo name.Repository, tag string) (d v1.Hash, ok bool, err error) {
	desc, err := remote.Head(repo.Tag(tag), c.opts(ctx)...)
	if err != nil {
		if isNotFound(err) {
			return v1.Hash{}, false, nil
		}
		return v1.Hash{}, false, classify(repo, fmt.Errorf("failed to look up %s:%s: %w", repo, tag, err))
	}
	return desc.Digest, true, nil
}

// CheckTags fails with a *ConflictError when any tag already names an image
// other than want. Tags that already name want, or do not exist, are fine.
func (c *Client) CheckTags(ctx context.Context, repo name.Repository, tags []string, want v1.Hash) error {
	for _, t := range tags {
		got, ok, err := c.Resolve(ctx, repo, t)
		if err != nil {
			return err
		}
		if ok && got != want {
			return &ConflictError{Repository: repo.String(), Tag: t, Existing: got.String(), Wanted: want.String()}
		}
	}
	return nil
}

// Push uploads an artifact by digest (no tag). Blobs the repository
// already has are not uploaded again.
func (c *Client) Push(ctx context.Context, repo name.Repository, a Artifact) (v1.Hash, error) {
	d, err := a.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	ref := repo.Digest(d.String())
	if _, err := remote.Head(ref, c.opts(ctx)...); err == nil {
		// Already there (a re-run, or a promotion done before): one HEAD.
		return d, nil
	} else if !isNotFound(err) {
		return v1.Hash{}, classify(repo, fmt.Errorf("failed to look up %s: %w", ref, err))
	}
	if a.Index != nil {
		err = remote.WriteIndex(ref, a.Index, c.opts(ctx)...)
	} else {
		err = remote.Write(ref, a.Image, c.opts(ctx)...)
	}
	if err != nil {
		return v1.Hash{}, classify(repo, fmt.Errorf("failed to push %s: %w", ref, err))
	}
	return d, nil
}

// Tag points tags at the manifest with digest d, which must already be in
// repo. Only the manifest is sent; tags that already name d are left alone.
func (c *Client) Tag(ctx context.Context, repo name.Repository, d v1.Hash, tags []string) error {
	desc, err := remote.Get(repo.Digest(d.String()), c.opts(ctx)...)
	if err != nil {
		return classify(repo, fmt.Errorf("failed to read %s@%s before tagging: %w", repo, d, err))
	}
	for _, t := range tags {
		got, ok, err := c.Resolve(ctx, repo, t)
		if err != nil {
			return err
		}
		if ok && got == d {
			continue
		}
		if err := remote.Tag(repo.Tag(t), desc, c.opts(ctx)...); err != nil {
			return classify(repo, fmt.Errorf("failed to tag %s:%s: %w", repo, t, err))
		}
	}
	return nil
}

// Get reads the artifact at ref (a tag or digest), lazily: blobs are only
// fetched when read.
func (c *Client) Get(ctx context.Context, ref name.Reference) (Artifact, error) {
	desc, err := remote.Get(ref, c.opts(ctx)...)
	if err != nil {
		return Artifact{}, classify(ref.Context(), fmt.Errorf("failed to read %s: %w", ref, err))
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		return Artifact{Index: idx}, err
	}
	img, err := desc.Image()
	return Artifact{Image: img}, err
}

// FindByContext returns the digest of the image in repo built from the
// context digest, found through its ctx-<hex> tag and confirmed by the
// context-digest label in its config; ok=false when there is none.
func (c *Client) FindByContext(ctx context.Context, repo name.Repository, contextDigest, label string) (d v1.Hash, ok bool, err error) {
	d, ok, err = c.Resolve(ctx, repo, ContextTag(contextDigest))
	if err != nil || !ok {
		return d, ok, err
	}
	a, err := c.Get(ctx, repo.Digest(d.String()))
	if err != nil {
		return v1.Hash{}, false, err
	}
	labels, err := a.Labels()
	if err != nil {
		return v1.Hash{}, false, fmt.Errorf("failed to read the labels of %s@%s: %w", repo, d, err)
	}
	if labels[label] != contextDigest {
		// The tag exists but the image was not built from this context
		// (someone pushed it by hand): treat as absent and rebuild.
		return v1.Hash{}, false, nil
	}
	return d, true, nil
}

// Copy copies the artifact at src into dst by digest, without tags. Blobs
// dst already has are skipped; blobs in another repository of the same
// registry are mounted; others are streamed from src to dst. The manifest
// bytes are kept as they are, so the digest does not change.
func (c *Client) Copy(ctx context.Context, src name.Reference, dst name.Repository) (Artifact, v1.Hash, error) {
	a, err := c.Get(ctx, src)
	if err != nil {
		return Artifact{}, v1.Hash{}, err
	}
	d, err := c.Push(ctx, dst, a)
	return a, d, err
}
