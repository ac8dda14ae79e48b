package rules

import (
	"fmt"
	"strings"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

var ruleOpenIngress = &Rule{
	ID: "EF501", Category: "network", Severity: Error,
	Title:        "Security group open to the internet beyond HTTP/HTTPS",
	Remediation:  "Allow 0.0.0.0/0 and ::/0 only on ports 80 and 443 of the public load balancer; reach everything else through security group references or a VPN.",
	Doc:          "Ports other than 80/443 open to the whole internet (SSH, databases, the app port behind the ALB, all traffic) are scanned within minutes.",
	judgesValues: true,
	check:        checkOpenIngress,
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
