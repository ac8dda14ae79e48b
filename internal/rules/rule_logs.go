package rules

import (
	"github.com/ecsflow/ecsflow/internal/tfparse"
	"github.com/zclconf/go-cty/cty"
)

var ruleLogRetention = &Rule{
	ID: "EF701", Category: "logs", Severity: Warning,
	Title:        "Log group without retention",
	Remediation:  "Set retention_in_days (e.g. 30 for dev, 365 for prod).",
	Doc:          "Without retention CloudWatch keeps logs forever and bills for them forever.",
	judgesValues: true,
	check:        checkLogRetention,
}

func checkLogRetention(c *Context) {
	c.EachResource("aws_cloudwatch_log_group", func(m *tfparse.Module, r *tfparse.Instance) {
		a := r.Block.Attr("retention_in_days")
		if a == nil {
			c.Report(r.Block.DefRange, r.Address(), "%s keeps logs forever (no retention_in_days)", r.Address())
			return
		}
		v := r.Eval(a.Expr)
		if v.IsWhollyKnown() && !v.IsNull() && v.Type() == cty.Number && v.AsBigFloat().Sign() == 0 {
			c.Report(a.Range, r.Address(), "%s: retention_in_days = 0 keeps logs forever", r.Address())
		}
	})
}
