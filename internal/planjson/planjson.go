// Package planjson reads the JSON form of a Terraform plan
// (`terraform show -json tfplan`): what is created, updated, replaced and
// destroyed per resource type, which of those changes touch stateful or
// critical resources, and what the plan does to the monthly Fargate bill.
//
// Format: https://developer.hashicorp.com/terraform/internals/json-format
package planjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Plan is the part of a plan document we read.
type Plan struct {
	FormatVersion    string           `json:"format_version"`
	TerraformVersion string           `json:"terraform_version"`
	ResourceChanges  []ResourceChange `json:"resource_changes"`
	Configuration    Configuration    `json:"configuration"`
	Variables        map[string]struct {
		Value any `json:"value"`
	} `json:"variables"`
}

// ResourceChange is one entry of resource_changes.
type ResourceChange struct {
	Address       string `json:"address"`
	ModuleAddress string `json:"module_address"`
	Mode          string `json:"mode"`
	Type          string `json:"type"`
	Name          string `json:"name"`
	Index         any    `json:"index"`
	Change        Change `json:"change"`
	ActionReason  string `json:"action_reason"`
}

// Change is a planned change of one resource instance.
type Change struct {
	Actions      []string `json:"actions"`
	Before       any      `json:"before"`
	After        any      `json:"after"`
	AfterUnknown any      `json:"after_unknown"`
}

// Configuration is the configuration section (used to find which task
// definition a service runs and the provider region).
type Configuration struct {
	ProviderConfig map[string]struct {
		Name        string                `json:"name"`
		Expressions map[string]Expression `json:"expressions"`
	} `json:"provider_config"`
	RootModule ConfigModule `json:"root_module"`
}

// ConfigModule is a module in the configuration section.
type ConfigModule struct {
	Resources []struct {
		Address     string                `json:"address"`
		Type        string                `json:"type"`
		Expressions map[string]Expression `json:"expressions"`
	} `json:"resources"`
	ModuleCalls map[string]struct {
		Module ConfigModule `json:"module"`
	} `json:"module_calls"`
}

// Expression is a configuration expression: a constant or references.
type Expression struct {
	ConstantValue any      `json:"constant_value"`
	References    []string `json:"references"`
}

// UnmarshalJSON tolerates expressions that are nested blocks (arrays or
// objects of expressions), which we do not need.
func (e *Expression) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var raw struct {
		ConstantValue any      `json:"constant_value"`
		References    []string `json:"references"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil
	}
	e.ConstantValue, e.References = raw.ConstantValue, raw.References
	return nil
}

// Parse decodes a plan document. It fails when data is not JSON or not a
// Terraform plan (no format_version).
func Parse(data []byte) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&p); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("not valid JSON at byte %d: %v", se.Offset, err)
		}
		return nil, fmt.Errorf("not a terraform plan in JSON form: %v", err)
	}
	if p.FormatVersion == "" {
		return nil, errors.New("not a terraform plan in JSON form (no format_version); create it with terraform show -json tfplan")
	}
	return &p, nil
}

// Action is the kind of change of a resource instance.
type Action string

// Actions as reported.
const (
	Create  Action = "create"
	Update  Action = "update"
	Replace Action = "replace"
	Delete  Action = "delete"
	Read    Action = "read"
	NoOp    Action = "no-op"
)

// Action folds the actions list into one Action.
func (rc *ResourceChange) Action() Action {
	a := rc.Change.Actions
	switch {
	case len(a) == 2:
		return Replace
	case len(a) == 1:
		return Action(a[0])
	}
	return NoOp
}

// Counts are changes per action.
type Counts struct {
	Create, Update, Replace, Delete int
}

// Total is the number of changes.
func (c Counts) Total() int { return c.Create + c.Update + c.Replace + c.Delete }

// TypeSummary is the changes of one resource type.
type TypeSummary struct {
	Type string `json:"type"`
	Counts
}

// Summary counts managed-resource changes per type, sorted by type.
func (p *Plan) Summary() (total Counts, byType []TypeSummary) {
	m := map[string]*Counts{}
	for i := range p.ResourceChanges {
		rc := &p.ResourceChanges[i]
		if rc.Mode == "data" {
			continue
		}
		c := m[rc.Type]
		if c == nil {
			c = &Counts{}
			m[rc.Type] = c
		}
		switch rc.Action() {
		case Create:
			c.Create++
			total.Create++
		case Update:
			c.Update++
			total.Update++
		case Replace:
			c.Replace++
			total.Replace++
		case Delete:
			c.Delete++
			total.Delete++
		}
	}
	for t, c := range m {
		if c.Total() > 0 {
			byType = append(byType, TypeSummary{Type: t, Counts: *c})
		}
	}
	sort.Slice(byType, func(i, j int) bool { return byType[i].Type < byType[j].Type })
	return total, byType
}

// criticalTypes hold data or are hard to recreate without an outage.
var criticalTypes = map[string]string{
	"aws_db_instance": "database", "aws_rds_cluster": "database", "aws_rds_cluster_instance": "database",
	"aws_dynamodb_table": "table", "aws_s3_bucket": "bucket", "aws_efs_file_system": "file system",
	"aws_efs_access_point": "file system access point", "aws_ecr_repository": "image repository (images are deleted)",
	"aws_elasticache_cluster": "cache", "aws_elasticache_replication_group": "cache",
	"aws_kms_key": "encryption key", "aws_secretsmanager_secret": "secret",
	"aws_cloudwatch_log_group": "log group (logs are deleted)", "aws_ecs_cluster": "ECS cluster",
	"aws_ecs_service": "ECS service (tasks are stopped)", "aws_lb": "load balancer (DNS name changes)",
	"aws_vpc": "VPC", "aws_route53_zone": "DNS zone", "aws_iam_openid_connect_provider": "OIDC provider",
	"aws_ebs_volume": "volume", "aws_opensearch_domain": "search domain",
	"aws_service_discovery_private_dns_namespace": "service discovery namespace",
}

// Critical reports whether destroying a resource of type typ loses data or
// causes an outage, and why.
func Critical(typ string) (string, bool) {
	why, ok := criticalTypes[typ]
	return why, ok
}

// Destructive returns the changes that delete or replace a critical
// resource, in plan order.
func (p *Plan) Destructive() []ResourceChange {
	var out []ResourceChange
	for _, rc := range p.ResourceChanges {
		if rc.Mode == "data" {
			continue
		}
		if a := rc.Action(); (a == Delete || a == Replace) && criticalTypes[rc.Type] != "" {
			out = append(out, rc)
		}
	}
	return out
}

// Region returns the AWS region the plan's default aws provider uses, when
// it is a constant or a variable with a value in the plan.
func (p *Plan) Region() (string, bool) {
	pc, ok := p.Configuration.ProviderConfig["aws"]
	if !ok {
		return "", false
	}
	e, ok := pc.Expressions["region"]
	if !ok {
		return "", false
	}
	if s, ok := e.ConstantValue.(string); ok && s != "" {
		return s, true
	}
	for _, ref := range e.References {
		if name, ok := strings.CutPrefix(ref, "var."); ok {
			if v, ok := p.Variables[name]; ok {
				if s, ok := v.Value.(string); ok && s != "" {
					return s, true
				}
			}
		}
	}
	return "", false
}
