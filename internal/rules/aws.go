package rules

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// eachResourceOf calls fn for every instance of resources of any of types.
func eachResourceOf(c *Context, types []string, fn func(m *tfparse.Module, inst *tfparse.Instance)) {
	for _, t := range types {
		c.EachResource(t, fn)
	}
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

func init() {
	register(
		&Rule{ID: "EF301", Category: "alb", Severity: Error,
			Title:       "HTTP listener does not redirect to HTTPS",
			Remediation: "Make the port-80 listener's default_action a redirect to HTTPS (status HTTP_301) and serve on an HTTPS listener.",
			Doc:         "A listener that forwards plain HTTP serves the application, cookies and tokens unencrypted.",
			check: func(c *Context) {
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
			}},
		&Rule{ID: "EF302", Category: "alb", Severity: Warning,
			Title:       "Outdated TLS policy",
			Remediation: "Use ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\" (or a newer TLS 1.2+ policy).",
			Doc:         "Without ssl_policy an HTTPS listener gets ELBSecurityPolicy-2016-08, which still accepts TLS 1.0 and 1.1.",
			check: func(c *Context) {
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
			}},
		&Rule{ID: "EF303", Category: "alb", Severity: Warning,
			Title:       "Load balancer keeps invalid HTTP headers",
			Remediation: "Set drop_invalid_header_fields = true on the application load balancer.",
			Doc:         "Headers with invalid names are a request-smuggling vector; the ALB can drop them before they reach the app.",
			check: func(c *Context) {
				eachResourceOf(c, lbTypes, func(m *tfparse.Module, lb *tfparse.Instance) {
					if !isApplicationLB(lb) {
						return
					}
					if v := boolAttr(lb, lb.Block, "drop_invalid_header_fields"); v == absent || v == isFalse {
						c.Report(lb.Block.DefRange, lb.Address(), "%s does not drop invalid header fields", lb.Address())
					}
				})
			}},
		&Rule{ID: "EF304", Category: "alb", Severity: Warning,
			Title:       "Load balancer without deletion protection",
			Remediation: "Set enable_deletion_protection = true (through a variable if dev stacks must be destroyable).",
			Doc:         "Deleting the load balancer changes its DNS name and takes the service offline; deletion protection turns an accidental destroy into an error.",
			check: func(c *Context) {
				eachResourceOf(c, lbTypes, func(m *tfparse.Module, lb *tfparse.Instance) {
					if v := boolAttr(lb, lb.Block, "enable_deletion_protection"); v == absent || v == isFalse {
						c.Report(rangeOf(lb.Block, "enable_deletion_protection"), lb.Address(), "%s has no deletion protection", lb.Address())
					}
				})
			}},
		&Rule{ID: "EF305", Category: "alb", Severity: Note,
			Title:       "Load balancer access logs are off",
			Remediation: "Add access_logs { bucket = ..., enabled = true }.",
			Doc:         "Access logs are the record of who called what; they are needed to investigate incidents and cannot be recovered afterwards.",
			check: func(c *Context) {
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
			}},
		&Rule{ID: "EF306", Category: "alb", Severity: Warning,
			Title:       "Target group without an explicit health check",
			Remediation: "Add health_check { path = \"/health\", matcher = \"200\", interval, healthy_threshold, unhealthy_threshold }.",
			Doc:         "The default health check requests / and expects 200; many apps redirect or need auth there, so tasks flap or a broken app passes. Deployments rely on this check.",
			check: func(c *Context) {
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
			}},
		&Rule{ID: "EF401", Category: "ecr", Severity: Warning,
			Title:       "ECR repository allows mutable tags",
			Remediation: "Set image_tag_mutability = \"IMMUTABLE\".",
			Doc:         "With mutable tags a pushed tag can be overwritten, so the image a task definition names can change after review. The default is MUTABLE.",
			check: func(c *Context) {
				c.EachResource("aws_ecr_repository", func(m *tfparse.Module, r *tfparse.Instance) {
					if r.Block.Attr("image_tag_mutability") == nil {
						c.Report(r.Block.DefRange, r.Address(), "%s: tags are mutable (the default)", r.Address())
						return
					}
					if v, ok := knownString(r, r.Block, "image_tag_mutability"); ok && strings.HasPrefix(v, "MUTABLE") {
						c.Report(rangeOf(r.Block, "image_tag_mutability"), r.Address(), "%s: image_tag_mutability is %s", r.Address(), v)
					}
				})
			}},
		&Rule{ID: "EF402", Category: "ecr", Severity: Warning,
			Title:       "ECR repository does not scan on push",
			Remediation: "Add image_scanning_configuration { scan_on_push = true } or a registry-wide aws_ecr_registry_scanning_configuration.",
			Doc:         "Scanning on push reports known vulnerabilities before the image is deployed.",
			check: func(c *Context) {
				for _, m := range c.Modules() {
					if len(m.ResourcesOfType("aws_ecr_registry_scanning_configuration")) > 0 {
						return
					}
				}
				c.EachResource("aws_ecr_repository", func(m *tfparse.Module, r *tfparse.Instance) {
					sc := r.NestedBlock(r.Block, "image_scanning_configuration")
					if sc == nil {
						c.Report(r.Block.DefRange, r.Address(), "%s does not scan images on push", r.Address())
						return
					}
					if v := boolAttr(r, sc, "scan_on_push"); v == absent || v == isFalse {
						c.Report(sc.DefRange, r.Address(), "%s: scan_on_push is not true", r.Address())
					}
				})
			}},
		&Rule{ID: "EF403", Category: "ecr", Severity: Warning,
			Title:       "ECR repository can be deleted with its images",
			Remediation: "Remove force_delete = true.",
			Doc:         "force_delete lets terraform destroy a repository that still holds images, including the ones running in production and the ones a rollback needs.",
			check: func(c *Context) {
				c.EachResource("aws_ecr_repository", func(m *tfparse.Module, r *tfparse.Instance) {
					if boolAttr(r, r.Block, "force_delete") == isTrue {
						c.Report(rangeOf(r.Block, "force_delete"), r.Address(), "%s sets force_delete = true", r.Address())
					}
				})
			}},
		&Rule{ID: "EF501", Category: "network", Severity: Error,
			Title:       "Security group open to the internet beyond HTTP/HTTPS",
			Remediation: "Allow 0.0.0.0/0 and ::/0 only on ports 80 and 443 of the public load balancer; reach everything else through security group references or a VPN.",
			Doc:         "Ports other than 80/443 open to the whole internet (SSH, databases, the app port behind the ALB, all traffic) are scanned within minutes.",
			check:       checkOpenIngress},
		&Rule{ID: "EF701", Category: "logs", Severity: Warning,
			Title:       "Log group without retention",
			Remediation: "Set retention_in_days (e.g. 30 for dev, 365 for prod).",
			Doc:         "Without retention CloudWatch keeps logs forever and bills for them forever.",
			check: func(c *Context) {
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
			}},
	)
}

func checkOpenIngress(c *Context) {
	world := func(cidrs []string) string {
		for _, s := range cidrs {
			if s == "0.0.0.0/0" || s == "::/0" {
				return s
			}
		}
		return ""
	}
	// report judges one rule: from/to ports and protocol.
	report := func(inst *tfparse.Instance, b *tfparse.Block, cidr string, fromAttr, toAttr, protoAttr string) {
		proto, okP := knownString(inst, b, protoAttr)
		if !okP {
			return
		}
		if proto == "-1" || strings.EqualFold(proto, "all") {
			c.Report(b.DefRange, inst.Address(), "%s allows all traffic from %s", inst.Address(), cidr)
			return
		}
		from, ok1 := evalAttr(inst, b, fromAttr)
		to, ok2 := evalAttr(inst, b, toAttr)
		if !ok1 || !ok2 || !from.IsWhollyKnown() || !to.IsWhollyKnown() || from.IsNull() || to.IsNull() {
			return
		}
		f, okF := treeNumber(valueTree(from))
		t, okT := treeNumber(valueTree(to))
		if !okF || !okT {
			return
		}
		if f == t && (f == 80 || f == 443) {
			return
		}
		ports := fmt.Sprintf("port %g", f)
		if f != t {
			ports = fmt.Sprintf("ports %g-%g", f, t)
		}
		c.Report(b.DefRange, inst.Address(), "%s opens %s/%s to %s", inst.Address(), ports, proto, cidr)
	}
	c.EachResource("aws_security_group", func(m *tfparse.Module, sg *tfparse.Instance) {
		for _, in := range sg.NestedBlocks(sg.Block, "ingress") {
			cidrs, _ := knownStrings(sg, in, "cidr_blocks")
			v6, _ := knownStrings(sg, in, "ipv6_cidr_blocks")
			if w := world(append(cidrs, v6...)); w != "" {
				report(sg, in, w, "from_port", "to_port", "protocol")
			}
		}
	})
	c.EachResource("aws_security_group_rule", func(m *tfparse.Module, r *tfparse.Instance) {
		if t, ok := knownString(r, r.Block, "type"); !ok || t != "ingress" {
			return
		}
		cidrs, _ := knownStrings(r, r.Block, "cidr_blocks")
		v6, _ := knownStrings(r, r.Block, "ipv6_cidr_blocks")
		if w := world(append(cidrs, v6...)); w != "" {
			report(r, r.Block, w, "from_port", "to_port", "protocol")
		}
	})
	c.EachResource("aws_vpc_security_group_ingress_rule", func(m *tfparse.Module, r *tfparse.Instance) {
		v4, _ := knownString(r, r.Block, "cidr_ipv4")
		v6, _ := knownString(r, r.Block, "cidr_ipv6")
		if w := world([]string{v4, v6}); w != "" {
			report(r, r.Block, w, "from_port", "to_port", "ip_protocol")
		}
	})
}
