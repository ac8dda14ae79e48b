package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// unknownPlatform is what BuildKit writes on the attestation manifests it
// adds to an index (provenance, SBOM); they are not runnable images.
const unknownPlatform = "unknown/unknown"

// Platforms reads the platforms ("linux/amd64", "linux/arm/v7") the image
// at ref runs on: for an image index (OCI index or Docker manifest list)
// the platforms its image entries name, attestations left out; for a
// single image the os and architecture of its config, one blob read.
// It fails when the registry cannot be read or names no platform, so the
// caller never has to guess.
func (c *Client) Platforms(ctx context.Context, ref name.Reference) ([]string, error) {
	desc, err := remote.Get(ref, c.opts(ctx)...)
	if err != nil {
		return nil, classify(ref.Context(), fmt.Errorf("failed to read the manifest of %s: %w", ref, err))
	}
	var out []string
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("failed to read the index of %s: %w", ref, err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("failed to read the index of %s: %w", ref, err)
		}
		for _, d := range im.Manifests {
			if d.Platform == nil || !d.MediaType.IsImage() || d.Platform.String() == unknownPlatform {
				continue
			}
			out = append(out, d.Platform.String())
		}
	} else {
		img, err := desc.Image()
		if err != nil {
			return nil, fmt.Errorf("failed to read the image %s: %w", ref, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, classify(ref.Context(), fmt.Errorf("failed to read the config of %s: %w", ref, err))
		}
		if p := cf.Platform(); p != nil && p.OS != "" && p.Architecture != "" {
			out = append(out, p.String())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the manifest of %s names no platform", ref)
	}
	return out, nil
}
