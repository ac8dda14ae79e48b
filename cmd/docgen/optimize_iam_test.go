package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/ecr"
)

// imagePlatformCalls are what optimize needs to read the platforms of
// images in ECR: a registry login (the TokenAPI method) and the registry
// protocol's manifest and blob reads, authorised as ECR actions (a single
// image's platform is in its config, a blob).
var (
	imagePlatformCalls  = []reflect.Type{reflect.TypeFor[ecr.TokenAPI]()}
	imagePlatformExtras = []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
)

// The image platform policy optimize's role adds, in docs/iam.md and in
// the bootstrap, grants exactly the ECR calls reading a manifest makes.
func TestImagePlatformPolicyMatchesTheCode(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "iam.md"))
	require.NoError(t, err)
	tf, err := os.ReadFile(filepath.Join(repoRoot, "examples", "open-webui", "bootstrap", "github-oidc.tf"))
	require.NoError(t, err)
	need := map[string]bool{}
	for _, typ := range imagePlatformCalls {
		for i := 0; i < typ.NumMethod(); i++ {
			need["ecr:"+typ.Method(i).Name] = true
		}
	}
	for _, a := range imagePlatformExtras {
		need[a] = true
	}
	for name, granted := range map[string]map[string]bool{
		"docs/iam.md":               policyActions(t, string(doc), "Image platforms"),
		"bootstrap image_platforms": documentActions(t, string(tf), "image_platforms"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			requireExactly(t, need, granted, "the image platforms policy")
		})
	}
}
