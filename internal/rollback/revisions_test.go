package rollback

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsflow/ecsflow/internal/ecssim"
)

// simECS is the simulator plus DescribeServiceRevisions, which the
// simulator does not serve yet. The revision of each deployment is learnt
// from the answers of the writes that create it (CreateService,
// UpdateService), where the simulator lists a service's deployments and
// its current service revisions in the same order; a revision ARN this
// double never saw is reported under failures as MISSING, as ECS does for
// an unknown ARN. Drop it once the simulator implements the call.
type simECS struct {
	*ecssim.Sim
	mu   sync.Mutex
	tdOf map[string]string // service revision ARN -> task definition ARN
	// denied answers DescribeServiceRevisions with AccessDeniedException.
	denied bool
}

func newSimECS(sim *ecssim.Sim) *simECS { return &simECS{Sim: sim, tdOf: map[string]string{}} }

func (s *simECS) learn(svc *types.Service) {
	if svc == nil || len(svc.CurrentServiceRevisions) != len(svc.Deployments) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, d := range svc.Deployments {
		if arn := aws.ToString(svc.CurrentServiceRevisions[i].Arn); arn != "" {
			s.tdOf[arn] = aws.ToString(d.TaskDefinition)
		}
	}
}

func (s *simECS) CreateService(ctx context.Context, in *ecs.CreateServiceInput, optFns ...func(*ecs.Options)) (*ecs.CreateServiceOutput, error) {
	out, err := s.Sim.CreateService(ctx, in, optFns...)
	if err == nil {
		s.learn(out.Service)
	}
	return out, err
}

func (s *simECS) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, optFns ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	out, err := s.Sim.UpdateService(ctx, in, optFns...)
	if err == nil {
		s.learn(out.Service)
	}
	return out, err
}

func (s *simECS) DescribeServiceRevisions(_ context.Context, in *ecs.DescribeServiceRevisionsInput, _ ...func(*ecs.Options)) (*ecs.DescribeServiceRevisionsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denied {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: ecs:DescribeServiceRevisions"}
	}
	out := &ecs.DescribeServiceRevisionsOutput{}
	for _, arn := range in.ServiceRevisionArns {
		td, ok := s.tdOf[arn]
		if !ok {
			out.Failures = append(out.Failures, types.Failure{Arn: aws.String(arn), Reason: aws.String("MISSING")})
			continue
		}
		out.ServiceRevisions = append(out.ServiceRevisions, types.ServiceRevision{ServiceRevisionArn: aws.String(arn), TaskDefinition: aws.String(td)})
	}
	return out, nil
}
