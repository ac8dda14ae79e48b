package ecssim

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// tagsOf returns the tag list of a cluster, service or task definition ARN.
func (s *Sim) tagsOf(arn string) (*[]types.Tag, error) {
	for _, c := range s.clusters {
		if c.arn == arn {
			return &c.tags, nil
		}
		for _, svc := range c.services {
			if svc.arn == arn {
				return &svc.tags, nil
			}
		}
	}
	if td := s.lookupTaskDef(arn); td != nil && strings.HasPrefix(arn, "arn:") && td.arn == arn {
		return &td.tags, nil
	}
	return nil, &types.InvalidParameterException{Message: ptr("The specified resource could not be found.")}
}

// TagResource adds or replaces tags on a cluster, service or task definition.
func (s *Sim) TagResource(ctx context.Context, in *ecs.TagResourceInput, optFns ...func(*ecs.Options)) (*ecs.TagResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("TagResource"); err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(deref(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		replaced := false
		for i := range *tags {
			if deref((*tags)[i].Key) == deref(t.Key) {
				(*tags)[i].Value = t.Value
				replaced = true
			}
		}
		if !replaced {
			*tags = append(*tags, t)
		}
	}
	return &ecs.TagResourceOutput{}, nil
}

// UntagResource removes tags by key.
func (s *Sim) UntagResource(ctx context.Context, in *ecs.UntagResourceInput, optFns ...func(*ecs.Options)) (*ecs.UntagResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("UntagResource"); err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(deref(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	for _, k := range in.TagKeys {
		drop[k] = true
	}
	kept := (*tags)[:0:0]
	for _, t := range *tags {
		if !drop[deref(t.Key)] {
			kept = append(kept, t)
		}
	}
	*tags = kept
	return &ecs.UntagResourceOutput{}, nil
}

// ListTagsForResource lists the tags of a cluster, service or task definition.
func (s *Sim) ListTagsForResource(ctx context.Context, in *ecs.ListTagsForResourceInput, optFns ...func(*ecs.Options)) (*ecs.ListTagsForResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ListTagsForResource"); err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(deref(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	return &ecs.ListTagsForResourceOutput{Tags: append([]types.Tag{}, *tags...)}, nil
}

// ListTaskDefinitionFamilies lists family names starting with FamilyPrefix;
// Status ACTIVE (default) means families with an ACTIVE revision.
func (s *Sim) ListTaskDefinitionFamilies(ctx context.Context, in *ecs.ListTaskDefinitionFamiliesInput, optFns ...func(*ecs.Options)) (*ecs.ListTaskDefinitionFamiliesOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ListTaskDefinitionFamilies"); err != nil {
		return nil, err
	}
	status := in.Status
	if status == "" {
		status = types.TaskDefinitionFamilyStatusActive
	}
	var fams []string
	for f, revs := range s.families {
		if !strings.HasPrefix(f, deref(in.FamilyPrefix)) {
			continue
		}
		active := false
		for _, td := range revs {
			active = active || td.def.Status == types.TaskDefinitionStatusActive
		}
		if status == types.TaskDefinitionFamilyStatusAll || active == (status == types.TaskDefinitionFamilyStatusActive) {
			fams = append(fams, f)
		}
	}
	sort.Strings(fams)
	page, next, err := paginate(fams, in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	return &ecs.ListTaskDefinitionFamiliesOutput{Families: page, NextToken: next}, nil
}
