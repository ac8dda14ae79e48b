package rules

import (
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// statement is one IAM policy statement, from a JSON policy or an
// aws_iam_policy_document statement block.
type statement struct {
	effect    string
	actions   []string
	notAction bool
	resources []string
	rng       hcl.Range
	addr      string
}

// globalActions only support Resource "*" (no resource-level permissions).
var globalActionPrefixes = []string{
	"ecr:getauthorizationtoken", "sts:getcalleridentity", "cloudwatch:putmetricdata",
	"ssmmessages:", "xray:", "logs:describe", "ec2:describe", "ecs:describe", "ecs:list",
	"ecs:registertaskdefinition", "ecs:deregistertaskdefinition", "elasticloadbalancing:describe",
	"application-autoscaling:describe", "cloudwatch:describe", "cloudwatch:getmetric", "cloudwatch:listmetrics",
	"iam:list", "s3:listallmybuckets", "kms:listaliases", "servicediscovery:discoverinstances",
	"bedrock:list", "bedrock:get",
}

var readVerbs = []string{"get", "list", "describe", "batchget", "batchcheck", "query", "scan", "head", "lookup", "search", "view", "check", "select", "discover", "filter", "startquery", "stopquery"}

func readOnly(action string) bool {
	_, verb, ok := strings.Cut(strings.ToLower(action), ":")
	if !ok {
		return false
	}
	for _, v := range readVerbs {
		if strings.HasPrefix(verb, v) {
			return true
		}
	}
	return false
}

func globalOnly(action string) bool {
	a := strings.ToLower(action)
	for _, p := range globalActionPrefixes {
		if strings.HasPrefix(a, p) {
			return true
		}
	}
	return false
}

func asStrings(v any) ([]string, bool) {
	switch x := v.(type) {
	case string:
		if tfparse.HasUnknown(x) {
			return nil, false
		}
		return []string{x}, true
	case []any:
		var out []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok || tfparse.HasUnknown(s) {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// policyStatements collects the statements of every identity policy.
func policyStatements(c *Context) []statement {
	var out []statement
	for _, t := range []string{"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"} {
		c.EachResource(t, func(m *tfparse.Module, inst *tfparse.Instance) {
			if a := inst.Block.Attr("policy"); a != nil {
				out = append(out, docStatements(inst, a)...)
			}
		})
	}
	c.EachResource("aws_iam_role", func(m *tfparse.Module, inst *tfparse.Instance) {
		for _, ip := range inst.NestedBlocks(inst.Block, "inline_policy") {
			if a := ip.Attr("policy"); a != nil {
				out = append(out, docStatements(inst, a)...)
			}
		}
	})
	for _, m := range c.Modules() {
		for _, b := range m.DataOfType("aws_iam_policy_document") {
			for _, inst := range m.Eval.Instances(b) {
				out = append(out, documentStatements(inst, b)...)
			}
		}
	}
	return out
}

// docStatements reads the identity statements of the JSON policy document
// attribute a (a string or jsonencode of an object).
func docStatements(inst *tfparse.Instance, a *tfparse.Attribute) []statement {
	v := inst.Tree(a.Expr)
	if s, ok := v.(string); ok {
		doc, ok := tfparse.DecodeJSONTree(s)
		if !ok {
			return nil
		}
		v = doc
	}
	doc := treeMap(v)
	if doc == nil {
		return nil
	}
	st := doc["Statement"]
	list := treeList(st)
	if m := treeMap(st); m != nil {
		list = []any{m}
	}
	var out []statement
	for _, s := range list {
		sm := treeMap(s)
		if sm == nil {
			continue
		}
		if _, ok := sm["Principal"]; ok {
			continue // resource or trust policy
		}
		eff, _ := treeString(sm, "Effect")
		stmt := statement{effect: eff, rng: a.Range, addr: inst.Address()}
		if acts, ok := asStrings(sm["Action"]); ok {
			stmt.actions = acts
		} else if acts, ok := asStrings(sm["NotAction"]); ok {
			stmt.actions, stmt.notAction = acts, true
		}
		stmt.resources, _ = asStrings(sm["Resource"])
		out = append(out, stmt)
	}
	return out
}

// documentStatements reads the identity statements of one instance of an
// aws_iam_policy_document data source b.
func documentStatements(inst *tfparse.Instance, b *tfparse.Block) []statement {
	var out []statement
	for _, sb := range inst.NestedBlocks(b, "statement") {
		if sb.Block("principals") != nil || sb.Block("not_principals") != nil {
			// A resource or trust policy (key, bucket, assume role):
			// Resource "*" there means the resource itself.
			continue
		}
		eff := "Allow"
		if e, ok := knownString(inst, sb, "effect"); ok {
			eff = e
		} else if sb.Attr("effect") != nil {
			continue
		}
		stmt := statement{effect: eff, rng: sb.DefRange, addr: inst.Address()}
		if acts, ok := knownStrings(inst, sb, "actions"); ok {
			stmt.actions = acts
			if a := sb.Attr("actions"); a != nil {
				stmt.rng = a.Range
			}
		} else if acts, ok := knownStrings(inst, sb, "not_actions"); ok {
			stmt.actions, stmt.notAction = acts, true
		}
		stmt.resources, _ = knownStrings(inst, sb, "resources")
		out = append(out, stmt)
	}
	return out
}
