package ecssim

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"
)

// DeleteService (API reference): the deleted service is DRAINING while its
// tasks stop and INACTIVE once they are all STOPPING or STOPPED; "if you
// attempt to create a new service with the same name as an existing
// service in either ACTIVE or DRAINING status, you receive an error".
func TestDeletedServiceDrainsBeforeItsNameIsFree(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	create := func() error {
		_, err := f.sim.CreateService(f.ctx, &ecs.CreateServiceInput{
			Cluster: ptr("c1"), ServiceName: ptr("web"), TaskDefinition: ptr("web"), DesiredCount: ptr(int32(1)),
		})
		return err
	}
	status := func() string {
		out := ok(f.sim.DescribeServices(f.ctx, &ecs.DescribeServicesInput{Cluster: ptr("c1"), Services: []string{"web"}}))
		require.Len(t, out.Services, 1, "a deleted service can still be described")
		return deref(out.Services[0].Status)
	}
	ok(f.sim.DeleteService(f.ctx, &ecs.DeleteServiceInput{Cluster: ptr("c1"), Service: ptr("web")}))
	err := create()
	require.True(t, isErr[*types.InvalidParameterException](err), "creating over a DRAINING service: got %v", err)

	f.runUntil(10*time.Minute, time.Second, func() bool { return status() == "INACTIVE" })
	require.Equal(t, "INACTIVE", status(), "the service leaves DRAINING once its tasks have stopped")
	require.NoError(t, create(), "an INACTIVE service's name can be used again")
}
