package deployecs

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/deploy"
)

// regionalECS is an ECS client that says its region, as the SDK's does.
type regionalECS struct {
	deploy.ECS
	region string
}

func (r regionalECS) Options() ecs.Options { return ecs.Options{Region: r.region} }

// Errors that depend on the region name it: a cluster missing in the
// region the credentials point at is most often the wrong region.
func TestMissingClusterNamesTheRegion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	r := e.runActionOn(t, regionalECS{ECS: e.Sim, region: "eu-central-1"}, map[string]string{"cluster": "nope", "service": "web"})
	require.Equal(t, 2, r.code, r.stderr+r.stdout)
	require.Contains(t, r.stdout+r.stderr, `input "cluster": value "nope": does not exist in eu-central-1 (this account)`)
}
