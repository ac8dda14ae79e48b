package ecssim

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Service revisions
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-revision.html):
// ECS creates one when a service is created and whenever an update starts a
// deployment, never for a rollback (a rollback returns to the last
// successful revision); a revision is immutable, and it is deleted with its
// service. DescribeServiceRevisions describes up to 20 of them by ARN
// (SDK doc comment of DescribeServiceRevisionsInput.ServiceRevisionArns).

// maxRevisionArns is the most ARNs one DescribeServiceRevisions takes.
const maxRevisionArns = 20

// recordRevision captures the configuration svc deploys with d, as ECS does
// when a deployment starts. The caller holds s.mu.
func (s *Sim) recordRevision(svc *service, d *dep) {
	rev := types.ServiceRevision{
		ServiceRevisionArn: ptr(d.revArn), ServiceArn: ptr(svc.arn), ClusterArn: ptr(svc.c.arn),
		TaskDefinition: ptr(d.td.arn), CreatedAt: ptr(d.created), LaunchType: svc.launchType,
		PlatformVersion: nonEmpty(svc.platform), LoadBalancers: append([]types.LoadBalancer(nil), svc.lbs...),
		NetworkConfiguration: svc.net, ServiceConnectConfiguration: svc.serviceConnect,
	}
	for _, cd := range d.td.def.ContainerDefinitions {
		rev.ContainerImages = append(rev.ContainerImages, types.ContainerImage{
			ContainerName: cd.Name, Image: cd.Image, ImageDigest: ptr("sha256:" + hashHex(deref(cd.Image))),
		})
	}
	if svc.revisions == nil {
		svc.revisions = map[string]types.ServiceRevision{}
	}
	svc.revisions[d.revArn] = rev
}

// findRevision returns the service revision arn and its service, or false
// when no service has it (never created, or deleted with its service).
func (s *Sim) findRevision(arn string) (types.ServiceRevision, *service, bool) {
	for _, c := range s.clusters {
		for _, svc := range c.services {
			if rev, ok := svc.revisions[arn]; ok {
				return rev, svc, true
			}
		}
	}
	return types.ServiceRevision{}, nil, false
}

// DescribeServiceRevisions describes up to 20 service revisions by ARN. An
// ARN no service has, or one created by a write reads do not show yet, is
// reported under failures with reason MISSING.
func (s *Sim) DescribeServiceRevisions(ctx context.Context, in *ecs.DescribeServiceRevisionsInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServiceRevisionsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("DescribeServiceRevisions"); err != nil {
		return nil, err
	}
	if len(in.ServiceRevisionArns) == 0 || len(in.ServiceRevisionArns) > maxRevisionArns {
		return nil, invalidParam("serviceRevisionArns must contain between 1 and %d items.", maxRevisionArns)
	}
	out := &ecs.DescribeServiceRevisionsOutput{}
	for _, arn := range in.ServiceRevisionArns {
		rev, svc, ok := s.findRevision(arn)
		if !ok || !s.revisionVisible(svc, arn) {
			out.Failures = append(out.Failures, types.Failure{Arn: ptr(arn), Reason: ptr("MISSING"), Detail: ptr("Service revision not found.")})
			continue
		}
		out.ServiceRevisions = append(out.ServiceRevisions, rev)
	}
	return out, nil
}
