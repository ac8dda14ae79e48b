package rules

import "github.com/ecsflow/ecsflow/internal/tfparse"

var ruleHTTPSRedirect = &Rule{
	ID: "EF301", Category: "alb", Severity: Error,
	Title:        "HTTP listener does not redirect to HTTPS",
	Remediation:  "Make the port-80 listener's default_action a redirect to HTTPS (status HTTP_301) and serve on an HTTPS listener.",
	Doc:          "A listener that forwards plain HTTP serves the application, cookies and tokens unencrypted.",
	judgesValues: true,
	check:        checkHTTPSRedirect,
}

func checkHTTPSRedirect(c *Context) {
	eachResourceOf(c, listenerTypes, func(m *tfparse.Module, l *tfparse.Instance) {
		proto, ok := knownString(l, l.Block, "protocol")
		if !ok || proto != "HTTP" {
			return
		}
		for _, da := range l.NestedBlocks(l.Block, "default_action") {
			t, ok := knownString(l, da, "type")
			if !ok {
				continue
			}
			if t == "forward" || t == "authenticate-oidc" || t == "authenticate-cognito" {
				c.Report(da.DefRange, l.Address(), "%s: HTTP listener forwards traffic instead of redirecting to HTTPS", l.Address())
			}
			if t == "redirect" {
				if r := l.NestedBlock(da, "redirect"); r != nil {
					if p, ok := knownString(l, r, "protocol"); ok && p != "HTTPS" {
						c.Report(r.DefRange, l.Address(), "%s: HTTP listener redirects to %s, not HTTPS", l.Address(), p)
					}
				}
			}
		}
	})
}

var ruleTLSPolicy = &Rule{
	ID: "EF302", Category: "alb", Severity: Warning,
	Title:        "Outdated TLS policy",
	Remediation:  "Use ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\" (or a newer TLS 1.2+ policy).",
	Doc:          "Without ssl_policy an HTTPS listener gets ELBSecurityPolicy-2016-08, which still accepts TLS 1.0 and 1.1.",
	judgesValues: true,
	check:        checkTLSPolicy,
}

func checkTLSPolicy(c *Context) {
	eachResourceOf(c, listenerTypes, func(m *tfparse.Module, l *tfparse.Instance) {
		proto, ok := knownString(l, l.Block, "protocol")
		if !ok || (proto != "HTTPS" && proto != "TLS") {
			return
		}
		if l.Block.Attr("ssl_policy") == nil {
			c.Report(l.Block.DefRange, l.Address(), "%s: %s listener without ssl_policy uses ELBSecurityPolicy-2016-08 (TLS 1.0)", l.Address(), proto)
			return
		}
		if p, ok := knownString(l, l.Block, "ssl_policy"); ok && outdatedTLS[p] {
			c.Report(rangeOf(l.Block, "ssl_policy"), l.Address(), "%s: ssl_policy %s allows TLS below 1.2", l.Address(), p)
		}
	})
}

var ruleInvalidHeaders = &Rule{
	ID: "EF303", Category: "alb", Severity: Warning,
	Title:        "Load balancer keeps invalid HTTP headers",
	Remediation:  "Set drop_invalid_header_fields = true on the application load balancer.",
	Doc:          "Headers with invalid names are a request-smuggling vector; the ALB can drop them before they reach the app.",
	judgesValues: true,
	check:        checkInvalidHeaders,
}

func checkInvalidHeaders(c *Context) {
	eachResourceOf(c, lbTypes, func(m *tfparse.Module, lb *tfparse.Instance) {
		if !isApplicationLB(lb) {
			return
		}
		if v := boolAttr(lb, lb.Block, "drop_invalid_header_fields"); v == absent || v == isFalse {
			c.Report(lb.Block.DefRange, lb.Address(), "%s does not drop invalid header fields", lb.Address())
		}
	})
}

var ruleDeletionProtection = &Rule{
	ID: "EF304", Category: "alb", Severity: Warning,
	Title:        "Load balancer without deletion protection",
	Remediation:  "Set enable_deletion_protection = true (through a variable if dev stacks must be destroyable).",
	Doc:          "Deleting the load balancer changes its DNS name and takes the service offline; deletion protection turns an accidental destroy into an error.",
	judgesValues: true,
	check:        checkDeletionProtection,
}

func checkDeletionProtection(c *Context) {
	eachResourceOf(c, lbTypes, func(m *tfparse.Module, lb *tfparse.Instance) {
		if v := boolAttr(lb, lb.Block, "enable_deletion_protection"); v == absent || v == isFalse {
			c.Report(rangeOf(lb.Block, "enable_deletion_protection"), lb.Address(), "%s has no deletion protection", lb.Address())
		}
	})
}

var ruleAccessLogs = &Rule{
	ID: "EF305", Category: "alb", Severity: Note,
	Title:        "Load balancer access logs are off",
	Remediation:  "Add access_logs { bucket = ..., enabled = true }.",
	Doc:          "Access logs are the record of who called what; they are needed to investigate incidents and cannot be recovered afterwards.",
	judgesValues: true,
	check:        checkAccessLogs,
}

func checkAccessLogs(c *Context) {
	eachResourceOf(c, lbTypes, func(m *tfparse.Module, lb *tfparse.Instance) {
		al := lb.NestedBlock(lb.Block, "access_logs")
		if al == nil {
			c.Report(lb.Block.DefRange, lb.Address(), "%s has no access_logs", lb.Address())
			return
		}
		if boolAttr(lb, al, "enabled") == isFalse {
			c.Report(al.DefRange, lb.Address(), "%s: access logs are disabled", lb.Address())
		}
	})
}

var ruleTargetGroupHealthCheck = &Rule{
	ID: "EF306", Category: "alb", Severity: Warning,
	Title:        "Target group without an explicit health check",
	Remediation:  "Add health_check { path = \"/health\", matcher = \"200\", interval, healthy_threshold, unhealthy_threshold }.",
	Doc:          "The default health check requests / and expects 200; many apps redirect or need auth there, so tasks flap or a broken app passes. Deployments rely on this check.",
	judgesValues: true,
	check:        checkTargetGroupHealthCheck,
}

func checkTargetGroupHealthCheck(c *Context) {
	eachResourceOf(c, tgTypes, func(m *tfparse.Module, tg *tfparse.Instance) {
		if t, ok := knownString(tg, tg.Block, "target_type"); ok && t == "lambda" {
			return
		}
		if p, ok := knownString(tg, tg.Block, "protocol"); ok && p != "HTTP" && p != "HTTPS" {
			return // NLB/GWLB target groups: the default TCP check fits
		}
		hc := tg.NestedBlock(tg.Block, "health_check")
		if hc == nil {
			c.Report(tg.Block.DefRange, tg.Address(), "%s has no health_check block", tg.Address())
			return
		}
		if boolAttr(tg, hc, "enabled") == isFalse {
			c.Report(hc.DefRange, tg.Address(), "%s: health check is disabled", tg.Address())
		}
	})
}

var (
	lbTypes       = []string{"aws_lb", "aws_alb"}
	listenerTypes = []string{"aws_lb_listener", "aws_alb_listener"}
	tgTypes       = []string{"aws_lb_target_group", "aws_alb_target_group"}
)

// outdatedTLS are ELB security policies that still allow TLS 1.0/1.1 or
// weak ciphers.
var outdatedTLS = map[string]bool{
	"ELBSecurityPolicy-2016-08": true, "ELBSecurityPolicy-2015-05": true,
	"ELBSecurityPolicy-TLS-1-0-2015-04": true, "ELBSecurityPolicy-TLS-1-1-2017-01": true,
	"ELBSecurityPolicy-FS-2018-06": true, "ELBSecurityPolicy-FS-1-1-2019-08": true,
	"ELBSecurityPolicy-TLS13-1-0-2021-06": true, "ELBSecurityPolicy-TLS13-1-1-2021-06": true,
	"ELBSecurityPolicy-TLS13-1-0-PQ-2025-09": true, "ELBSecurityPolicy-TLS13-1-1-PQ-2025-09": true,
}

func isApplicationLB(inst *tfparse.Instance) bool {
	t, ok := knownString(inst, inst.Block, "load_balancer_type")
	if inst.Block.Attr("load_balancer_type") == nil {
		return true // application is the default
	}
	return ok && t == "application"
}
