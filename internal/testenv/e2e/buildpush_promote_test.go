package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// The three example images are built through build-push's action.yml with
// buildah, pushed to the sandbox registry and recorded in moto's ECR; an
// unchanged re-run is skipped; each digest is then promoted to prod/<svc>
// byte for byte, with the repositories created immutable and scanned.
// Run it again in the same sandbox and the builds are skipped: the test
// expects a fresh sandbox per test binary, which sandboxtest gives.
func TestBuildPushExamplesAndPromotion(t *testing.T) {
	t.Parallel()
	if !e2e.Built(t, "build-push") {
		t.Fatal("actions/build-push/main.go is missing: the e2e test of build-push needs the action")
	}
	// A region of its own (moto's ECR state is per region) and repository
	// names no other test uses (the OCI registry is shared): tags are
	// immutable, and an image another test pushed would be skipped here.
	const region = "ca-central-1"
	sb := sandboxtest.Start(t)

	r := e2e.Run(t, e2e.Workflow{File: "testdata/build-push-promote.yml", Event: "workflow_dispatch", Region: region})
	r.RequireSuccess(t)
	assert.Equal(t, "true", r.Output("check", "ok"), r.Log)

	api := ecr.NewFromConfig(sandboxtest.Config(t, region))
	for _, svc := range []string{"open-webui", "bedrock-access-gateway", "mcpo"} {
		digest := r.Output(svc, "digest")
		require.True(t, strings.HasPrefix(digest, "sha256:"), "%s digest %q; log:\n%s", svc, digest, r.Log)
		assert.Equal(t, "built", r.Output(svc, "result"), svc)
		assert.Equal(t, "promoted", r.Output("promote-"+svc, "result"), svc)
		assert.Equal(t, "false", r.Output("promote-"+svc, "built"), svc)
		assert.Equal(t, sb.RegistryHost+"/prod/"+svc+"@"+digest, r.Output("promote-"+svc, "image"))

		// Byte for byte: the prod manifest is the staging manifest.
		staging := buildPushManifest(t, sb.RegistryHost, "staging/"+svc, digest)
		prod := buildPushManifest(t, sb.RegistryHost, "prod/"+svc, "release-1")
		assert.True(t, bytes.Equal(staging, prod), "%s: promoted manifest differs", svc)

		// Blobs moved by mount (docker-registry links blobs per repository)
		// or not at all: a promotion uploads no blob bytes.
		if st := r.Step("promote-" + svc); assert.NotNil(t, st, svc) {
			assert.Contains(t, st.Summary, "0 B of blobs uploaded in 0 upload(s)", svc)
			if sb.RegistryKind == sandbox.RegistryDistribution {
				assert.NotContains(t, st.Summary, " 0 blob mount(s)", "%s: docker-registry should have mounted the blobs", svc)
			}
		}

		// ECR knows both, under the registry's digest, in immutable repositories.
		for _, repo := range []string{"staging/" + svc, "prod/" + svc} {
			out, err := api.DescribeImages(context.Background(), &ecr.DescribeImagesInput{
				RepositoryName: aws.String(repo), ImageIds: []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(digest)}},
			})
			require.NoError(t, err, repo)
			require.Len(t, out.ImageDetails, 1, repo)
		}
		rep, err := api.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"prod/" + svc}})
		require.NoError(t, err)
		assert.Equal(t, ecrtypes.ImageTagMutabilityImmutable, rep.Repositories[0].ImageTagMutability)
	}

	// The unchanged re-run built nothing and added its tag.
	assert.Equal(t, "skipped", r.Output("mcpo-again", "result"))
	assert.Equal(t, "false", r.Output("mcpo-again", "built"))
	assert.Contains(t, r.Output("mcpo-again", "tags"), "rerun")
	// The scan gate ran on the promoted image (moto's canned HIGH finding
	// is below the CRITICAL threshold).
	assert.Equal(t, `{"HIGH":1}`, r.Output("promote-open-webui", "scan-findings"))
	assert.Contains(t, r.Summary, "promoted: same digest copied, nothing rebuilt")
}

func buildPushManifest(t *testing.T, host, repo, ref string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+host+"/v2/"+repo+"/manifests/"+ref, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s/%s:%s", host, repo, ref)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}
