package deploy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

// legacyECS is the simulator without the service-deployment APIs, like an
// endpoint (or moto) that predates them: the engine must track the
// service's deployments instead.
type legacyECS struct{ *ecssim.Sim }

var errUnknownOp = &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "operation not supported"}

func (l legacyECS) DescribeServiceDeployments(context.Context, *ecs.DescribeServiceDeploymentsInput, ...func(*ecs.Options)) (*ecs.DescribeServiceDeploymentsOutput, error) {
	return nil, errUnknownOp
}

func (l legacyECS) ListServiceDeployments(context.Context, *ecs.ListServiceDeploymentsInput, ...func(*ecs.Options)) (*ecs.ListServiceDeploymentsOutput, error) {
	return nil, errUnknownOp
}

func (l legacyECS) StopServiceDeployment(context.Context, *ecs.StopServiceDeploymentInput, ...func(*ecs.Options)) (*ecs.StopServiceDeploymentOutput, error) {
	return nil, errUnknownOp
}

func (l legacyECS) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, o ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	out, err := l.Sim.UpdateService(ctx, in, o...)
	if out != nil && out.Service != nil {
		out.Service.CurrentServiceDeployment = nil
	}
	return out, err
}

func TestLegacyTracking(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		cfg       *types.DeploymentConfiguration
		fault     *ecssim.Fault
		threshold int
		want      Status
		rev       string
		words     []string
	}{
		{"completes", nil, nil, 1, Succeeded, "web:2", []string{"completed: web:2 is steady"}},
		{"failed tasks roll back by revision", nil, &ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:v2"}, 1, RolledBack, "web:1",
			[]string{"rollback started: service updated to web:1", "image pull error"}},
		{"circuit breaker", &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
			&ecssim.Fault{Kind: ecssim.FaultExit, Image: "web:v2", After: 5 * time.Second}, 0, RolledBack, "web:1",
			[]string{"ECS is rolling back to web:1", "exited with code 1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.cfg, "web")
			e.engine.ECS = legacyECS{e.Sim}
			if tc.fault != nil {
				e.Sim.InjectFault(*tc.fault)
			}
			p := e.plan("v2", "", "web")
			p.FailedTasksThreshold = tc.threshold
			res := e.run(context.Background(), p)
			require.Equal(t, tc.want, res.Status, e.summary(res))
			require.True(t, strings.HasPrefix(res.Services[0].DeploymentID, "ecs-svc/"), "tracked by the deployment id: %s", res.Services[0].DeploymentID)
			e.SteadyOn("web", tc.rev)
			contains(t, e.summary(res), tc.words...)
		})
	}
}
