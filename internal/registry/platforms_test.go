package registry

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/ocitest"
)

func TestPlatformsReadsIndexesAndSingleImages(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	amd := v1.Platform{OS: "linux", Architecture: "amd64"}
	arm := v1.Platform{OS: "linux", Architecture: "arm64"}
	armv7 := v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	attestation := v1.Platform{OS: "unknown", Architecture: "unknown"}
	cases := []struct {
		name  string
		image v1.Image
		index v1.ImageIndex
		want  []string
	}{
		{name: "oci index", index: ocitest.Index(t, types.OCIImageIndex, amd, arm), want: []string{"linux/amd64", "linux/arm64"}},
		{name: "docker manifest list", index: ocitest.Index(t, types.DockerManifestList, arm, armv7), want: []string{"linux/arm64", "linux/arm/v7"}},
		{name: "attestations left out", index: ocitest.Index(t, types.OCIImageIndex, amd, attestation, arm, attestation), want: []string{"linux/amd64", "linux/arm64"}},
		{name: "single amd64 image", image: ocitest.Image(t, amd), want: []string{"linux/amd64"}},
		{name: "single arm64 image", image: ocitest.Image(t, arm), want: []string{"linux/arm64"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref, err := name.ParseReference(host+"/app/"+strings.ReplaceAll(tc.name, " ", "-")+":1", name.Insecure)
			require.NoError(t, err)
			if tc.index != nil {
				require.NoError(t, remote.WriteIndex(ref, tc.index))
			} else {
				require.NoError(t, remote.Write(ref, tc.image))
			}
			c, _ := newClient(t)
			got, err := c.Platforms(context.Background(), ref)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPlatformsFailsRatherThanGuess(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, nil)
	noPlatform, err := random.Image(64, 1) // a config without os and architecture
	require.NoError(t, err)
	cf, err := noPlatform.ConfigFile()
	require.NoError(t, err)
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "", ""
	noPlatform, err = mutate.ConfigFile(noPlatform, cf)
	require.NoError(t, err)
	bare, err := name.ParseReference(host+"/app/bare:1", name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.Write(bare, noPlatform))
	onlyAttestations, err := name.ParseReference(host+"/app/attest:1", name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(onlyAttestations, ocitest.Index(t, types.OCIImageIndex, v1.Platform{OS: "unknown", Architecture: "unknown"})))
	missing, err := name.ParseReference(host+"/app/missing:1", name.Insecure)
	require.NoError(t, err)

	cases := []struct {
		name string
		ref  name.Reference
		want string
	}{
		{"missing tag", missing, "failed to read the manifest of " + missing.String()},
		{"config without a platform", bare, "names no platform"},
		{"index of attestations only", onlyAttestations, "names no platform"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newClient(t)
			got, err := c.Platforms(context.Background(), tc.ref)
			require.ErrorContains(t, err, tc.want)
			assert.Nil(t, got)
		})
	}
}
