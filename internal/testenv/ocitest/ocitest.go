// Package ocitest builds small random images and image indexes for tests
// that read platforms from a registry: an image whose config names its
// platform, and an index of one such image per platform, as builders push
// them (platform unknown/unknown stands for BuildKit's attestations).
package ocitest

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image is a random one-layer image whose config says it runs on p.
func Image(t testing.TB, p v1.Platform) v1.Image {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// Index is an index of media type mt (types.OCIImageIndex or
// types.DockerManifestList) holding one Image per platform.
func Index(t testing.TB, mt types.MediaType, platforms ...v1.Platform) v1.ImageIndex {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, mt)
	for _, p := range platforms {
		p := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: Image(t, p), Descriptor: v1.Descriptor{Platform: &p}})
	}
	return idx
}
