package rollback

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

// iamECS is the simulator behind a role that may lack
// ecs:DescribeServiceRevisions: the simulator does not model IAM, so a
// test that needs the denial switches it on here. Every answer otherwise
// is the simulator's own.
type iamECS struct {
	*ecssim.Sim
	denyRevisions atomic.Bool
}

func newIAMECS(sim *ecssim.Sim) *iamECS { return &iamECS{Sim: sim} }

func (s *iamECS) DescribeServiceRevisions(ctx context.Context, in *ecs.DescribeServiceRevisionsInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServiceRevisionsOutput, error) {
	if s.denyRevisions.Load() {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: ecs:DescribeServiceRevisions"}
	}
	return s.Sim.DescribeServiceRevisions(ctx, in, optFns...)
}
