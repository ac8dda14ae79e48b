package registry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const ctxLabel = "io.ecsflow.context-digest"

// newRegistry starts an in-process OCI registry and returns its host.
func newRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func newClient(t *testing.T) (*Client, *Counter) {
	t.Helper()
	cnt := NewCounter(nil)
	return New(WithTransport(cnt), WithKeychain(Keychain{})), cnt
}

func repo(t *testing.T, host, name string) name.Repository {
	t.Helper()
	r, err := Repository(host, name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func labelled(t *testing.T, img v1.Image, labels map[string]string) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Labels = labels
	out, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(4096, 2)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func blobBytes(t *testing.T, img v1.Image) int64 {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n
}

func TestPushTwiceUploadsNothing(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	c, cnt := newClient(t)
	r := repo(t, host, "app")
	img := randomImage(t)
	ctx := context.Background()
	d, err := c.Push(ctx, r, Artifact{Image: img})
	if err != nil {
		t.Fatal(err)
	}
	first := cnt.Stats()
	if first.BytesUp != blobBytes(t, img) || first.ManifestPuts != 1 {
		t.Fatalf("first push: %+v, want %d blob bytes and 1 manifest", first, blobBytes(t, img))
	}
	cnt.Reset()
	if d2, err := c.Push(ctx, r, Artifact{Image: img}); err != nil || d2 != d {
		t.Fatalf("second push = %v, %v", d2, err)
	}
	if s := cnt.Stats(); s.BytesUp != 0 || s.ManifestPuts != 0 || s.Requests["HEAD"] != 1 || writes(s) != 0 {
		t.Fatalf("second push moved data: %+v; want one manifest HEAD and no writes", s)
	}
	if err := c.Tag(ctx, r, d, []string{"v1", "abc1234"}); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := c.Resolve(ctx, r, "abc1234"); err != nil || !ok || got != d {
		t.Fatalf("Resolve(abc1234) = %v %v %v, want %v", got, ok, err, d)
	}
}

func TestCheckTagsConflictNamesBothDigests(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	c, _ := newClient(t)
	r := repo(t, host, "app")
	ctx := context.Background()
	a, b := randomImage(t), randomImage(t)
	da, err := c.Push(ctx, r, Artifact{Image: a})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Tag(ctx, r, da, []string{"v1"}); err != nil {
		t.Fatal(err)
	}
	db, _ := b.Digest()
	if err := c.CheckTags(ctx, r, []string{"new", "v1"}, da); err != nil {
		t.Fatalf("same digest must not conflict: %v", err)
	}
	err = c.CheckTags(ctx, r, []string{"new", "v1"}, db)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Tag != "v1" {
		t.Fatalf("CheckTags = %v, want ConflictError on v1", err)
	}
	if !strings.Contains(err.Error(), da.String()) || !strings.Contains(err.Error(), db.String()) {
		t.Fatalf("conflict error %q must name both digests", err)
	}
}

func writes(s Stats) int {
	return s.Requests["PUT"] + s.Requests["POST"] + s.Requests["PATCH"]
}

// The in-process registry keeps blobs registry-wide, so a promotion within
// it finds every blob present and sends the manifest alone. (Per-repository
// blob links and mounts are exercised against docker-registry in
// internal/buildpush.)
func TestCopySameRegistrySendsManifestOnly(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	c, cnt := newClient(t)
	ctx := context.Background()
	staging, prod := repo(t, host, "staging/app"), repo(t, host, "prod/app")
	img := randomImage(t)
	d, err := c.Push(ctx, staging, Artifact{Image: img})
	if err != nil {
		t.Fatal(err)
	}
	cnt.Reset()
	_, pd, err := c.Copy(ctx, staging.Digest(d.String()), prod)
	if err != nil {
		t.Fatal(err)
	}
	s := cnt.Stats()
	if pd != d || s.BytesUp != 0 || s.BlobUploads != 0 || s.ManifestPuts != 1 || writes(s) != 1 {
		t.Fatalf("promotion in one registry: digest %v, stats %+v; want same digest, 0 blob bytes, 1 manifest PUT", pd, s)
	}
	assertSameManifest(t, c, staging.Digest(d.String()), prod.Digest(d.String()))
}

func TestCopyAcrossRegistriesOnlyMissingBlobs(t *testing.T) {
	t.Parallel()
	src, dst := newRegistry(t, nil), newRegistry(t, nil)
	c, cnt := newClient(t)
	ctx := context.Background()
	base := randomImage(t)
	extra, err := random.Layer(2048, "application/vnd.oci.image.layer.v1.tar+gzip")
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(base, extra)
	if err != nil {
		t.Fatal(err)
	}
	srcRepo, dstRepo := repo(t, src, "app"), repo(t, dst, "app")
	d, err := c.Push(ctx, srcRepo, Artifact{Image: img})
	if err != nil {
		t.Fatal(err)
	}
	// The target already holds the base image's layers.
	if _, err := c.Push(ctx, dstRepo, Artifact{Image: base}); err != nil {
		t.Fatal(err)
	}
	cnt.Reset()
	if _, _, err := c.Copy(ctx, srcRepo.Digest(d.String()), dstRepo); err != nil {
		t.Fatal(err)
	}
	s := cnt.Stats()
	cfg, _ := img.Manifest()
	extraSize, _ := extra.Size()
	if want := extraSize + cfg.Config.Size; s.BytesUp != want {
		t.Fatalf("copied %d blob bytes, want %d (only the new layer and config): %+v", s.BytesUp, want, s)
	}
	assertSameManifest(t, c, srcRepo.Digest(d.String()), dstRepo.Digest(d.String()))

	// Promoting again is a single HEAD.
	cnt.Reset()
	if _, _, err := c.Copy(ctx, srcRepo.Digest(d.String()), dstRepo); err != nil {
		t.Fatal(err)
	}
	if s := cnt.Stats(); s.BytesUp != 0 || s.ManifestPuts != 0 {
		t.Fatalf("second promotion moved data: %+v", s)
	}
}

func assertSameManifest(t *testing.T, c *Client, a, b name.Reference) {
	t.Helper()
	ctx := context.Background()
	ga, err := c.Get(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := c.Get(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	ra, _ := ga.RawManifest()
	rb, _ := gb.RawManifest()
	if !bytes.Equal(ra, rb) {
		t.Fatalf("manifests differ:\n%s\n%s", ra, rb)
	}
}

func TestIndexPushAndSize(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	c, _ := newClient(t)
	ctx := context.Background()
	idx, err := random.Index(1024, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	r := repo(t, host, "multi")
	d, err := c.Push(ctx, r, Artifact{Index: idx})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, r.Digest(d.String()))
	if err != nil || !got.IsIndex() {
		t.Fatalf("Get = %+v, %v; want an index", got, err)
	}
	im, _ := idx.IndexManifest()
	for _, m := range im.Manifests {
		if _, err := remote.Head(r.Digest(m.Digest.String())); err != nil {
			t.Fatalf("child %s missing: %v", m.Digest, err)
		}
	}
	size, err := Artifact{Index: idx}.Size()
	if err != nil || size < 2*1024 {
		t.Fatalf("Size = %d, %v", size, err)
	}
}

func TestFindByContext(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	c, _ := newClient(t)
	ctx := context.Background()
	r := repo(t, host, "app")
	cd := "sha256:" + strings.Repeat("a", 64)
	other := "sha256:" + strings.Repeat("b", 64)
	img := labelled(t, randomImage(t), map[string]string{ctxLabel: cd})
	d, err := c.Push(ctx, r, Artifact{Image: img})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Tag(ctx, r, d, []string{ContextTag(cd)}); err != nil {
		t.Fatal(err)
	}
	// A ctx tag whose image lacks the label is not trusted.
	liar, _ := c.Push(ctx, r, Artifact{Image: randomImage(t)})
	if err := c.Tag(ctx, r, liar, []string{ContextTag(other)}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		digest string
		ok     bool
	}{{cd, true}, {other, false}, {"sha256:" + strings.Repeat("c", 64), false}}
	for _, tc := range cases {
		got, ok, err := c.FindByContext(ctx, r, tc.digest, ctxLabel)
		if err != nil || ok != tc.ok || (ok && got != d) {
			t.Errorf("FindByContext(%s) = %v, %v, %v; want ok=%v", tc.digest[:12], got, ok, err, tc.ok)
		}
	}
}

func TestRefusedCredentials(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "AWS" || p != "right" {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	ctx := context.Background()
	for _, tc := range []struct {
		pass string
		ok   bool
	}{{"wrong", false}, {"right", true}} {
		kc := Keychain{Hosts: map[string]authn.Authenticator{host: &authn.Basic{Username: "AWS", Password: tc.pass}}}
		c := New(WithKeychain(kc))
		_, err := c.Push(ctx, repo(t, host, "app"), Artifact{Image: randomImage(t)})
		var ae *AuthError
		if tc.ok != (err == nil) || (!tc.ok && (!errors.As(err, &ae) || ae.Status != http.StatusUnauthorized)) {
			t.Fatalf("password %s: err = %v", tc.pass, err)
		}
		if !tc.ok && strings.Contains(err.Error(), tc.pass) {
			t.Fatalf("error leaks the password: %v", err)
		}
	}
}

func TestLoadLayoutEmpty(t *testing.T) {
	t.Parallel()
	if _, err := LoadLayout(t.TempDir()); err == nil {
		t.Fatal("empty directory must not load")
	}
	_ = empty.Image
}
