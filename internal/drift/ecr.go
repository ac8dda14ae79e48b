package drift

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// ECRAPI is the part of the ECR API drift-check reads.
type ECRAPI interface {
	DescribeRepositories(ctx context.Context, in *ecr.DescribeRepositoriesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	GetLifecyclePolicy(ctx context.Context, in *ecr.GetLifecyclePolicyInput, optFns ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error)
	ListTagsForResource(ctx context.Context, in *ecr.ListTagsForResourceInput, optFns ...func(*ecr.Options)) (*ecr.ListTagsForResourceOutput, error)
}

// ecrHandler reads ECR repositories and their lifecycle policies.
var ecrHandler = handler{
	types: []typeSpec{
		{"aws_ecr_repository", spec{maps: map[string]bool{"tags": true}}},
		{"aws_ecr_lifecycle_policy", spec{canon: map[string]func(string) string{"policy": canonJSON}}},
	},
	need: func(c Clients) bool { return c.ECR != nil },
	run:  scanECR,
}

// scanECR lists the repositories (1000 a page; naming them would fail the
// whole batch on one missing name), then reads tags and lifecycle policies
// per repository.
func scanECR(ctx context.Context, s *Scanner, items map[string][]*item) error {
	repos := map[string]*item{}
	for _, it := range items["aws_ecr_repository"] {
		n := it.obj.String("name")
		if n == "" {
			n = it.obj.ID()
		}
		repos[n] = it
	}
	exists := map[string]string{} // name -> arn
	err := pages(ctx, s, func(token *string) (*string, error) {
		out, err := s.c.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{NextToken: token, MaxResults: aws.Int32(1000)})
		if err != nil {
			return nil, err
		}
		for _, r := range out.Repositories {
			name := aws.ToString(r.RepositoryName)
			exists[name] = aws.ToString(r.RepositoryArn)
			it := repos[name]
			if it == nil {
				continue
			}
			it.found, it.arn = true, aws.ToString(r.RepositoryArn)
			it.live = map[string]any{"image_tag_mutability": string(r.ImageTagMutability)}
			if sc := r.ImageScanningConfiguration; sc != nil {
				it.live["image_scanning_configuration"] = []any{map[string]any{"scan_on_push": sc.ScanOnPush}}
			}
			if ec := r.EncryptionConfiguration; ec != nil {
				it.live["encryption_configuration"] = []any{map[string]any{"encryption_type": string(ec.EncryptionType)}}
			}
		}
		return out.NextToken, nil
	})
	if err != nil {
		return err
	}
	if err := scanECRTags(ctx, s, repos); err != nil {
		return err
	}
	return scanECRLifecycle(ctx, s, items["aws_ecr_lifecycle_policy"], exists)
}

// scanECRTags reads the tags of the repositories that exist.
func scanECRTags(ctx context.Context, s *Scanner, repos map[string]*item) error {
	var found []*item
	for _, it := range repos {
		if it.found {
			found = append(found, it)
		}
	}
	return each(ctx, found, func(it *item) error {
		out, err := call(ctx, s, func() (*ecr.ListTagsForResourceOutput, error) {
			return s.c.ECR.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String(it.arn)})
		})
		if err != nil {
			if s.partial("aws_ecr_repository", "tags", err) {
				return nil
			}
			return err
		}
		tags := map[string]any{}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		it.live["tags"] = tags
		return nil
	})
}

// scanECRLifecycle reads the lifecycle policy of each policy's repository;
// exists maps the account's repository names to their ARNs.
func scanECRLifecycle(ctx context.Context, s *Scanner, policies []*item, exists map[string]string) error {
	return each(ctx, policies, func(it *item) error {
		repo := it.obj.String("repository")
		if _, ok := exists[repo]; !ok {
			it.note = "repository " + repo + " does not exist"
			return nil
		}
		out, err := call(ctx, s, func() (*ecr.GetLifecyclePolicyOutput, error) {
			return s.c.ECR.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String(repo)})
		})
		if err != nil {
			if isCode(err, "LifecyclePolicyNotFoundException", "RepositoryNotFoundException") {
				return nil
			}
			return err
		}
		it.found = true
		it.live = map[string]any{"policy": aws.ToString(out.LifecyclePolicyText)}
		return nil
	})
}
