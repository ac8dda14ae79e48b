package optimize

import (
	"context"
	"errors"
	"testing"
	"time"

	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cost"
)

// fakeReader answers from a map and counts the calls per reference.
type fakeReader struct {
	platforms map[string][]string
	calls     map[string]int
}

func (f *fakeReader) Platforms(_ context.Context, ref name.Reference) ([]string, error) {
	f.calls[ref.Name()]++
	if p, ok := f.platforms[ref.Name()]; ok {
		return p, nil
	}
	return nil, errors.New("MANIFEST_UNKNOWN")
}

func TestReadPlatforms(t *testing.T) {
	t.Parallel()
	multi := []string{"linux/amd64", "linux/arm64"}
	r := &fakeReader{calls: map[string]int{}, platforms: map[string][]string{
		"registry.example/app:1":               multi,
		"index.docker.io/library/nginx:latest": {"linux/amd64"},
		"127.0.0.1:5000/local:2":               multi,
	}}
	ecrHost := "123456789012.dkr.ecr.us-east-1.amazonaws.com"
	services := []cost.Service{
		{Name: "a", Images: []cost.Image{{Ref: "registry.example/app:1"}, {Ref: "nginx"}}},
		{Name: "b", Images: []cost.Image{{Ref: "registry.example/app:1"}, {Ref: "127.0.0.1:5000/local:2"}}},
		{Name: "c", Images: []cost.Image{{Ref: ecrHost + "/app:1"}, {Ref: "registry.example/gone:1"}, {Ref: "Not A Ref"}}},
		{Name: "arm", Architecture: "ARM64", Images: []cost.Image{{Ref: "registry.example/arm-only:1"}}},
	}
	log := readPlatforms(context.Background(), r, map[string]string{ecrHost: "no ECR login for " + ecrHost + ": denied"}, services)

	cases := []struct {
		svc, img   int
		platforms  []string
		unreadable string
	}{
		{0, 0, multi, ""},
		{0, 1, []string{"linux/amd64"}, ""}, // ECS's short form reads as Docker Hub's
		{1, 0, multi, ""},
		{1, 1, multi, ""},
		{2, 0, nil, "no ECR login for " + ecrHost + ": denied"},
		{2, 1, nil, "MANIFEST_UNKNOWN"},
		{2, 2, nil, "not an image reference"},
	}
	for _, tc := range cases {
		im := services[tc.svc].Images[tc.img]
		assert.Equal(t, tc.platforms, im.Platforms, im.Ref)
		if tc.unreadable == "" {
			assert.Empty(t, im.Unreadable, im.Ref)
		} else {
			assert.Contains(t, im.Unreadable, tc.unreadable, im.Ref)
		}
	}
	require.Equal(t, 1, r.calls["registry.example/app:1"], "an image used twice is read once")
	require.Zero(t, r.calls[ecrHost+"/app:1"], "no read without a login")
	require.Len(t, log, 6, "one log line per distinct image")
	require.Zero(t, r.calls["registry.example/arm-only:1"], "a task already on ARM64 needs no platforms")
	assert.Nil(t, services[3].Images[0].Platforms)
	assert.Empty(t, services[3].Images[0].Unreadable)
}

func TestCappedKeepsReasonsShort(t *testing.T) {
	t.Parallel()
	long := string(make([]byte, 1000))
	assert.Len(t, []rune(capped(long)), maxReason+1)
	assert.Equal(t, "short", capped("short"))
}

// deniedToken is an ECR client whose role may not log in; it counts the
// hosts it was asked for.
type deniedToken struct{ asked []string }

func (d *deniedToken) GetAuthorizationToken(_ context.Context, in *awsecr.GetAuthorizationTokenInput, _ ...func(*awsecr.Options)) (*awsecr.GetAuthorizationTokenOutput, error) {
	//lint:ignore SA1019 the login under test still names its registry (see internal/ecr)
	d.asked = append(d.asked, in.RegistryIds...)
	return nil, errors.New("AccessDeniedException: not authorized to perform ecr:GetAuthorizationToken")
}

func TestImagesWithoutAnECRLoginAreNotEnoughData(t *testing.T) {
	t.Parallel()
	api := &deniedToken{}
	x86 := "111111111111.dkr.ecr.eu-west-1.amazonaws.com/app:1"
	arm := "222222222222.dkr.ecr.eu-west-1.amazonaws.com/app:1"
	services := []cost.Service{
		{Name: "web", Images: []cost.Image{{Ref: x86}, {Ref: x86}}},
		{Name: "arm", Architecture: "ARM64", Images: []cost.Image{{Ref: arm}}},
	}
	images(context.Background(), api, nil, time.Now(), services)
	require.Equal(t, []string{"111111111111"}, api.asked, "one login per host, none for a task already on ARM64")
	for _, im := range services[0].Images {
		assert.Nil(t, im.Platforms)
		assert.Contains(t, im.Unreadable, "no ECR login for 111111111111.dkr.ecr.eu-west-1.amazonaws.com: ")
		assert.Contains(t, im.Unreadable, "ecr:GetAuthorizationToken")
	}
}
