package drift

import (
	"sort"
	"strings"
)

// Kind says how a resource drifted.
type Kind string

// Kinds of drift.
const (
	// Changed: the resource exists but attributes differ from the state.
	Changed Kind = "changed"
	// Missing: the state knows the resource, AWS does not.
	Missing Kind = "missing"
	// Unmanaged: AWS has the resource inside a managed scope, no state knows it.
	Unmanaged Kind = "unmanaged"
)

// Class says what may be done about a finding.
type Class string

// Classes, from harmless to dangerous.
const (
	// Safe: may be remediated automatically (tags, descriptions, a task
	// definition that only differs from the ledger's last good one).
	Safe Class = "safe"
	// Review: a person should look before anything is changed.
	Review Class = "review"
	// Critical: deletions, security-group openings, IAM changes.
	Critical Class = "critical"
)

var classRank = map[Class]int{Safe: 0, Review: 1, Critical: 2}

// Worse returns the more severe of two classes.
func Worse(a, b Class) Class {
	if classRank[b] > classRank[a] {
		return b
	}
	return a
}

// Change is one attribute that differs.
type Change struct {
	// Attribute is the flattened attribute path, e.g. desired_count,
	// tags.Owner, health_check.path, ingress.
	Attribute string `json:"attribute"`
	Before    string `json:"before"`
	After     string `json:"after"`
	Class     Class  `json:"class"`
}

// Finding is one drifted resource.
type Finding struct {
	// Address is the state address; empty for unmanaged resources.
	Address string `json:"address,omitempty"`
	Type    string `json:"type"`
	// ID identifies the live resource (ARN, name or id).
	ID      string   `json:"id"`
	Kind    Kind     `json:"kind"`
	Class   Class    `json:"class"`
	Changes []Change `json:"changes,omitempty"`
	// Note explains the finding in a sentence where the changes do not.
	Note string `json:"note,omitempty"`
	// Parent is the managed resource an unmanaged one was found in.
	Parent string `json:"parent,omitempty"`

	// Remediation, when set, is what `remediate: safe` would do.
	Remediation *Remediation `json:"remediation,omitempty"`
}

// Name is how a finding is shown: its address, or type "id" when unmanaged.
func (f Finding) Name() string {
	if f.Address != "" {
		return f.Address
	}
	return f.Type + " " + f.ID
}

// Remediation describes a safe fix. Service and ARN identify the target;
// Tags/UntagKeys fix tags; TaskDefinition is the revision to redeploy.
type Remediation struct {
	Action string `json:"action"`
	// ARN of the resource to tag, or of the service to redeploy.
	ARN string `json:"arn,omitempty"`
	// Tags to set and keys to remove, so live tags equal the state's.
	Tags      map[string]string `json:"tags,omitempty"`
	UntagKeys []string          `json:"untag_keys,omitempty"`
	// Cluster and Service with TaskDefinition: redeploy the last good revision.
	Cluster        string `json:"cluster,omitempty"`
	Service        string `json:"service,omitempty"`
	TaskDefinition string `json:"task_definition,omitempty"`
	// Description to restore (alarm_description).
	Description *string `json:"description,omitempty"`
	// Done is set after the fix was applied; Error when it failed.
	Done  bool   `json:"done,omitempty"`
	Error string `json:"error,omitempty"`
}

// NotChecked is a resource type (or part of one) the scan could not check.
type NotChecked struct {
	Type string `json:"type"`
	// Addresses of the state objects of this type that were not checked.
	Addresses []string `json:"addresses,omitempty"`
	Reason    string   `json:"reason"`
	// Permission is the IAM action that was denied, when that is the reason.
	Permission string `json:"permission,omitempty"`
}

// Result is the outcome of one scan.
type Result struct {
	Findings   []Finding    `json:"findings"`
	NotChecked []NotChecked `json:"not_checked,omitempty"`
	// Checked counts the state objects compared with AWS.
	Checked int `json:"checked"`
	// Ignored counts the attribute differences suppressed by ignore patterns,
	// lifecycle.ignore_changes, autoscaling or the ledger.
	Ignored int `json:"ignored"`
	// Managed is the number of live resources in scope that a state knows;
	// Total adds the unmanaged ones. Coverage is Managed/Total.
	Managed int `json:"managed"`
	Total   int `json:"total"`
	// Calls counts the AWS API calls the scan made.
	Calls int64 `json:"api_calls"`
}

// Coverage returns Managed/Total in percent (100 when nothing is in scope).
func (r *Result) Coverage() float64 {
	if r.Total == 0 {
		return 100
	}
	return 100 * float64(r.Managed) / float64(r.Total)
}

// Count returns how many findings have kind k.
func (r *Result) Count(k Kind) int {
	n := 0
	for _, f := range r.Findings {
		if f.Kind == k {
			n++
		}
	}
	return n
}

// ByClass returns the findings of class c.
func (r *Result) ByClass(c Class) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Class == c {
			out = append(out, f)
		}
	}
	return out
}

// Drifted reports whether anything drifted.
func (r *Result) Drifted() bool { return len(r.Findings) > 0 }

func (r *Result) sort() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if classRank[a.Class] != classRank[b.Class] {
			return classRank[a.Class] > classRank[b.Class]
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Name() < b.Name()
	})
	for i := range r.Findings {
		sort.SliceStable(r.Findings[i].Changes, func(x, y int) bool {
			return r.Findings[i].Changes[x].Attribute < r.Findings[i].Changes[y].Attribute
		})
	}
	sort.Slice(r.NotChecked, func(i, j int) bool { return r.NotChecked[i].Type < r.NotChecked[j].Type })
}

// Types lists the Terraform resource types the scanner covers, sorted: the
// types of the handlers, so a type cannot be listed without one.
var Types = coveredTypes(handlers)

func coveredTypes(hs []handler) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.typeNames()...)
	}
	sort.Strings(out)
	return out
}

// aliases maps the classic ELB names the AWS provider also accepts.
var aliases = map[string]string{
	"aws_alb":               "aws_lb",
	"aws_alb_listener":      "aws_lb_listener",
	"aws_alb_listener_rule": "aws_lb_listener_rule",
	"aws_alb_target_group":  "aws_lb_target_group",
}

// Covered reports whether the scanner checks resources of type t.
func Covered(t string) bool {
	if a, ok := aliases[t]; ok {
		t = a
	}
	i := sort.SearchStrings(Types, t)
	return i < len(Types) && Types[i] == t
}

func canonicalType(t string) string {
	if a, ok := aliases[t]; ok {
		return a
	}
	return t
}

func isTagAttr(attr string) bool {
	return attr == "tags" || strings.HasPrefix(attr, "tags.")
}
