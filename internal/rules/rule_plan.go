package rules

import (
	"fmt"
	"strings"

	"github.com/ecsflow/ecsflow/internal/planjson"
	"github.com/ecsflow/ecsflow/internal/tfparse"
	"github.com/hashicorp/hcl/v2"
)

var ruleDestructivePlan = &Rule{
	ID: "EF901", Category: "plan", Severity: Error,
	Title:       "Plan destroys or replaces a stateful or critical resource",
	Remediation: "Check why the resource is replaced (a forcing attribute, a renamed address: use a moved block) or add lifecycle { prevent_destroy = true }; suppress only for an intended, announced change.",
	Doc:         "Reads plan-json. Destroying a database, file system, bucket, repository, log group, cluster, service or load balancer loses data or causes an outage; a replace (delete then create) does too.",
	check:       checkDestructivePlan,
}

func checkDestructivePlan(c *Context) {
	if c.in.Plan == nil {
		return
	}
	for _, rc := range c.in.Plan.Destructive() {
		why, _ := planjson.Critical(rc.Type)
		verb := "destroys"
		if rc.Action() == planjson.Replace {
			verb = "replaces"
		}
		rng := c.planLocation(rc.Address)
		reason := ""
		if rc.ActionReason != "" {
			reason = " (" + strings.ReplaceAll(rc.ActionReason, "_", " ") + ")"
		}
		c.Report(rng, rc.Address, "plan %s %s: %s%s", verb, rc.Address, why, reason)
	}
}

// planLocation finds the Terraform block of a plan address (ignoring the
// instance key and the module path prefix when the module is loaded), else
// the address's line in the plan file.
func (c *Context) planLocation(addr string) hcl.Range {
	base := addr
	if i := strings.Index(base, "["); i > 0 {
		base = base[:i]
	}
	parts := strings.Split(base, ".")
	for len(parts) >= 2 && parts[0] == "module" {
		parts = parts[2:]
	}
	if len(parts) == 2 {
		key := parts[0] + "." + parts[1]
		var found []*tfparse.Block
		seen := map[*tfparse.Block]bool{}
		for _, m := range c.Modules() {
			if b, ok := m.Resources[key]; ok && !seen[b] {
				seen[b] = true
				found = append(found, b)
			}
		}
		if len(found) == 1 {
			return found[0].DefRange
		}
	}
	line := 1
	if c.in.PlanSrc != nil {
		needle := fmt.Sprintf("%q", addr)
		if i := strings.Index(string(c.in.PlanSrc), `"address":`+needle); i >= 0 {
			line = 1 + strings.Count(string(c.in.PlanSrc[:i]), "\n")
		} else if i := strings.Index(string(c.in.PlanSrc), needle); i >= 0 {
			line = 1 + strings.Count(string(c.in.PlanSrc[:i]), "\n")
		}
	}
	return hcl.Range{Filename: c.in.PlanFile, Start: hcl.Pos{Line: line, Column: 1}, End: hcl.Pos{Line: line, Column: 1}}
}
