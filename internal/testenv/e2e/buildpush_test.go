package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// build-push through its action.yml, on the sandbox: the image lands in the
// OCI registry and in (moto's) ECR with the tags asked for; a bad input
// fails the step with exit 2 and one ::error naming the input.
func TestBuildPushThroughActionYML(t *testing.T) {
	t.Parallel()
	if !e2e.Built(t, "build-push") {
		t.Fatal("actions/build-push/main.go is missing: the e2e test of build-push needs the action")
	}
	const region = "ap-southeast-2" // a stack of its own: ECR tags are immutable
	sb, st := sandboxtest.SeededRegion(t, region)
	mcpo, ok := st.Service("mcpo")
	require.True(t, ok)

	r := e2e.Run(t, e2e.Workflow{File: "testdata/build-push-example.yml", Event: "workflow_dispatch", Region: region})
	assert.Equal(t, "success", r.Jobs["build"], r.Log)
	assert.Equal(t, "failure", r.Jobs["bad-input"], r.Log)

	digest := r.Output("mcpo", "digest")
	require.True(t, strings.HasPrefix(digest, "sha256:"), "digest output %q; log:\n%s", digest, r.Log)
	assert.Equal(t, sb.RegistryHost+"/"+mcpo.Repository+"@"+digest, r.Output("mcpo", "image"))
	assert.Equal(t, "built", r.Output("mcpo", "result"))
	assert.Equal(t, "true", r.Output("check", "ok"))
	tags := strings.Split(r.Output("mcpo", "tags"), ",")
	assert.Contains(t, tags, "e2e")
	assert.Len(t, tags, 2, "sha and e2e")
	assert.Contains(t, r.Summary, digest)

	// The manifest is in the registry ...
	req, _ := http.NewRequest(http.MethodHead, "http://"+sb.RegistryHost+"/v2/"+mcpo.Repository+"/manifests/e2e", nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, digest, resp.Header.Get("Docker-Content-Digest"))

	// ... and ECR knows the image under both tags.
	cfg := sandboxtest.Config(t, region)
	imgs, err := ecr.NewFromConfig(cfg).DescribeImages(context.Background(), &ecr.DescribeImagesInput{
		RepositoryName: aws.String(mcpo.Repository),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageTag: aws.String("e2e")}},
	})
	require.NoError(t, err)
	require.Len(t, imgs.ImageDetails, 1)
	assert.Subset(t, imgs.ImageDetails[0].ImageTags, tags)

	// The bad input: one ::error naming the input, exit code 2.
	errs := r.Errors()
	require.Len(t, errs, 1, "one ::error line; log:\n%s", r.Log)
	assert.Contains(t, errs[0].Message, `"builder"`)
	assert.Contains(t, errs[0].Message, "podman")
	assert.Equal(t, "failure", r.Step("bad").Result)
	assert.Contains(t, r.Log, "exit status 2")
}
