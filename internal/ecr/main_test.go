package ecr

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// The ECR API comes from the shared local sandbox (moto behind the
// sandbox's front proxy), one per test binary.
func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

// client returns an ECR client on the sandbox in region (tests isolate
// themselves by region: moto keeps ECR state per region).
func client(t *testing.T, region string) *ecr.Client {
	t.Helper()
	return ecr.NewFromConfig(sandboxtest.Config(t, region))
}
