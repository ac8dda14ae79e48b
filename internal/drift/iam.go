package drift

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAMAPI is the part of the IAM API drift-check reads.
type IAMAPI interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
}

// iamHandler reads IAM roles, their inline policies and attachments.
var iamHandler = handler{
	types: []typeSpec{
		{"aws_iam_role", spec{
			maps:  map[string]bool{"tags": true},
			canon: map[string]func(string) string{"assume_role_policy": canonJSON},
		}},
		{"aws_iam_role_policy", spec{canon: map[string]func(string) string{"policy": canonJSON}}},
		{"aws_iam_role_policy_attachment", spec{}},
	},
	need: func(c Clients) bool { return c.IAM != nil },
	run:  scanIAM,
}

func decodePolicy(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// scanIAM reads the roles the state names (its own and those its policies
// and attachments belong to), then the attachments and inline policies of
// the roles that exist.
func scanIAM(ctx context.Context, s *Scanner, items map[string][]*item) error {
	exists, err := scanRoles(ctx, s, items)
	if err != nil {
		return err
	}
	if err := scanAttachments(ctx, s, items, exists); err != nil {
		return err
	}
	return scanInlinePolicies(ctx, s, items, exists)
}

// scanRoles reads every role the items name and returns the names of those
// that exist.
func scanRoles(ctx context.Context, s *Scanner, items map[string][]*item) (map[string]bool, error) {
	exists := map[string]bool{}
	roleNames := map[string]bool{}
	for _, it := range items["aws_iam_role"] {
		roleNames[it.obj.String("name")] = true
	}
	for _, t := range []string{"aws_iam_role_policy", "aws_iam_role_policy_attachment"} {
		for _, it := range items[t] {
			roleNames[it.obj.String("role")] = true
		}
	}
	roles := map[string]*item{}
	for _, it := range items["aws_iam_role"] {
		roles[it.obj.String("name")] = it
	}
	var mu = make(chan struct{}, 1)
	err := each(ctx, sortedKeys(roleNames), func(name string) error {
		out, err := call(ctx, s, func() (*iam.GetRoleOutput, error) {
			return s.c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		})
		if err != nil {
			if isCode(err, "NoSuchEntity") {
				return nil
			}
			return err
		}
		mu <- struct{}{}
		exists[name] = true
		<-mu
		it := roles[name]
		if it == nil {
			return nil
		}
		it.found, it.arn = true, aws.ToString(out.Role.Arn)
		it.live = liveRole(out.Role)
		return nil
	})
	return exists, err
}

func liveRole(r *iamtypes.Role) map[string]any {
	tags := map[string]any{}
	for _, t := range r.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	live := map[string]any{
		"assume_role_policy":   decodePolicy(aws.ToString(r.AssumeRolePolicyDocument)),
		"description":          aws.ToString(r.Description),
		"max_session_duration": int(aws.ToInt32(r.MaxSessionDuration)),
		"path":                 aws.ToString(r.Path),
		"tags":                 tags,
		"permissions_boundary": "",
	}
	if pb := r.PermissionsBoundary; pb != nil {
		live["permissions_boundary"] = aws.ToString(pb.PermissionsBoundaryArn)
	}
	return live
}

// scanAttachments lists the attached managed policies once per role that
// has attachments in the state; attachments no state knows are unmanaged
// (critical).
func scanAttachments(ctx context.Context, s *Scanner, items map[string][]*item, exists map[string]bool) error {
	known := map[string]map[string]bool{}
	for _, o := range s.stateOf("aws_iam_role_policy_attachment") {
		r := o.String("role")
		if known[r] == nil {
			known[r] = map[string]bool{}
		}
		known[r][o.String("policy_arn")] = true
	}
	attachRoles := map[string][]*item{}
	for _, it := range items["aws_iam_role_policy_attachment"] {
		attachRoles[it.obj.String("role")] = append(attachRoles[it.obj.String("role")], it)
	}
	return each(ctx, sortedKeys(attachRoles), func(role string) error {
		if !exists[role] {
			for _, it := range attachRoles[role] {
				it.note = "role " + role + " does not exist"
			}
			return nil
		}
		live := map[string]bool{}
		var marker *string
		for {
			out, err := call(ctx, s, func() (*iam.ListAttachedRolePoliciesOutput, error) {
				return s.c.IAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role), Marker: marker})
			})
			if err != nil {
				return err
			}
			for _, p := range out.AttachedPolicies {
				live[aws.ToString(p.PolicyArn)] = true
			}
			if !out.IsTruncated {
				break
			}
			marker = out.Marker
		}
		for _, it := range attachRoles[role] {
			if live[it.obj.String("policy_arn")] {
				it.found, it.live = true, map[string]any{}
			}
		}
		for _, arn := range sortedKeys(live) {
			if !known[role][arn] {
				s.addUnmanaged(Finding{Type: "aws_iam_role_policy_attachment", ID: role + "/" + lastSegment(arn), Class: Critical,
					Note: fmt.Sprintf("policy %s is attached to role %s outside Terraform", arn, role)})
			}
		}
		return nil
	})
}

// scanInlinePolicies reads the inline policies of roles that exist.
func scanInlinePolicies(ctx context.Context, s *Scanner, items map[string][]*item, exists map[string]bool) error {
	return each(ctx, items["aws_iam_role_policy"], func(it *item) error {
		role, name := it.obj.String("role"), it.obj.String("name")
		if !exists[role] {
			return nil
		}
		out, err := call(ctx, s, func() (*iam.GetRolePolicyOutput, error) {
			return s.c.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
		})
		if err != nil {
			if isCode(err, "NoSuchEntity") {
				return nil
			}
			return err
		}
		it.found = true
		it.live = map[string]any{"policy": decodePolicy(aws.ToString(out.PolicyDocument))}
		return nil
	})
}
