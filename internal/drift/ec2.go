package drift

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// EC2API is the part of the EC2 API drift-check reads.
type EC2API interface {
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
}

var sgRuleTypes = []string{"aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"}

// securityGroupHandler reads security groups and their rules, whichever
// of the three Terraform shapes the rules are written in.
var securityGroupHandler = handler{
	types: []typeSpec{
		{"aws_security_group", spec{maps: map[string]bool{"tags": true}}},
		{sgRuleTypes[0], spec{}},
		{sgRuleTypes[1], spec{}},
		{sgRuleTypes[2], spec{}},
	},
	need: func(c Clients) bool { return c.EC2 != nil },
	run:  scanSecurityGroups,
}

// atom is one security-group permission reduced to a single source:
// "ingress tcp 443 0.0.0.0/0".
type atom struct {
	dir, proto, ports, peer string
}

// String renders the permission as the report shows it.
func (a atom) String() string {
	prep := "from"
	if a.dir == "egress" {
		prep = "to"
	}
	if a.proto == "all" {
		return fmt.Sprintf("all traffic %s %s", prep, a.peer)
	}
	return fmt.Sprintf("%s %s %s %s", a.proto, a.ports, prep, a.peer)
}

func normProto(p string) string {
	switch strings.ToLower(p) {
	case "-1", "all", "":
		return "all"
	case "6":
		return "tcp"
	case "17":
		return "udp"
	case "1":
		return "icmp"
	case "58":
		return "icmpv6"
	}
	return strings.ToLower(p)
}

func portRange(proto, from, to string) string {
	if proto == "all" {
		return ""
	}
	if from == to {
		return from
	}
	return from + "-" + to
}

// atomsFromState reads inline ingress/egress blocks of an aws_security_group.
func atomsFromState(sgID string, attrs map[string]any) []atom {
	var out []atom
	for _, dir := range []string{"ingress", "egress"} {
		list, _ := attrs[dir].([]any)
		for _, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			out = append(out, atomsOf(dir, sgID, m,
				listStrings(m["cidr_blocks"]), listStrings(m["ipv6_cidr_blocks"]), listStrings(m["prefix_list_ids"]), listStrings(m["security_groups"]))...)
		}
	}
	return out
}

func atomsOf(dir, sgID string, m map[string]any, peers ...[]string) []atom {
	proto := normProto(tfstate.Scalar(m["protocol"]))
	if p := tfstate.Scalar(m["ip_protocol"]); p != "" {
		proto = normProto(p)
	}
	ports := portRange(proto, tfstate.Scalar(m["from_port"]), tfstate.Scalar(m["to_port"]))
	var out []atom
	for _, ps := range peers {
		for _, p := range ps {
			out = append(out, atom{dir, proto, ports, p})
		}
	}
	if tfstate.Scalar(m["self"]) == "true" {
		out = append(out, atom{dir, proto, ports, sgID})
	}
	return out
}

// atomsFromRule reads an aws_security_group_rule or aws_vpc_security_group_*_rule.
func atomsFromRule(typ string, attrs map[string]any) (sgID string, atoms []atom) {
	sgID = tfstate.Scalar(attrs["security_group_id"])
	switch typ {
	case "aws_security_group_rule":
		dir := tfstate.Scalar(attrs["type"])
		var src []string
		if s := tfstate.Scalar(attrs["source_security_group_id"]); s != "" {
			src = append(src, s)
		}
		return sgID, atomsOf(dir, sgID, attrs, listStrings(attrs["cidr_blocks"]), listStrings(attrs["ipv6_cidr_blocks"]), listStrings(attrs["prefix_list_ids"]), src)
	default:
		dir := "ingress"
		if typ == "aws_vpc_security_group_egress_rule" {
			dir = "egress"
		}
		var peers []string
		for _, k := range []string{"cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"} {
			if s := tfstate.Scalar(attrs[k]); s != "" {
				peers = append(peers, s)
			}
		}
		return sgID, atomsOf(dir, sgID, attrs, peers)
	}
}

func atomsFromLive(sgID string, dir string, perms []ec2types.IpPermission) []atom {
	var out []atom
	for _, p := range perms {
		proto := normProto(aws.ToString(p.IpProtocol))
		ports := portRange(proto, strconv.Itoa(int(aws.ToInt32(p.FromPort))), strconv.Itoa(int(aws.ToInt32(p.ToPort))))
		for _, r := range p.IpRanges {
			out = append(out, atom{dir, proto, ports, aws.ToString(r.CidrIp)})
		}
		for _, r := range p.Ipv6Ranges {
			out = append(out, atom{dir, proto, ports, aws.ToString(r.CidrIpv6)})
		}
		for _, r := range p.PrefixListIds {
			out = append(out, atom{dir, proto, ports, aws.ToString(r.PrefixListId)})
		}
		for _, r := range p.UserIdGroupPairs {
			out = append(out, atom{dir, proto, ports, aws.ToString(r.GroupId)})
		}
	}
	return out
}

func listStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s := tfstate.Scalar(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func scanSecurityGroups(ctx context.Context, s *Scanner, items map[string][]*item) error {
	g := &sgScan{s: s, groups: map[string]*item{}, want: map[string]map[atom]bool{}, inline: map[string]map[atom]bool{},
		ids: map[string]bool{}, live: map[string]map[atom]bool{}}
	g.expect(items)
	if err := g.readLive(ctx); err != nil {
		return err
	}
	g.judgeGroups()
	g.judgeRules()
	return nil
}

// sgScan is one scanSecurityGroups run. Rules are compared as atoms (one
// direction, protocol, port range and peer each).
type sgScan struct {
	s *Scanner
	// groups are the state's security groups by ID.
	groups map[string]*item
	// want are the atoms expected on each group (inline and rule
	// resources); inline those of the groups' own ingress/egress blocks.
	want, inline map[string]map[atom]bool
	// rules are the rule resources to check, with their group and atoms.
	rules []sgRuleItem
	// ids are the groups to read.
	ids map[string]bool
	// live are the atoms each group has in AWS.
	live map[string]map[atom]bool
}

type sgRuleItem struct {
	it    *item
	sg    string
	atoms []atom
}

// expect records the atoms the state expects on each group.
func (g *sgScan) expect(items map[string][]*item) {
	for _, it := range items["aws_security_group"] {
		id := it.obj.ID()
		g.groups[id] = it
		g.ids[id] = true
		if g.want[id] == nil {
			g.want[id], g.inline[id] = map[atom]bool{}, map[atom]bool{}
		}
		for _, a := range atomsFromState(id, it.obj.Attributes) {
			g.want[id][a], g.inline[id][a] = true, true
		}
	}
	// Every rule resource of the state counts as expected on its group,
	// also those filtered out of this scan.
	for _, t := range sgRuleTypes {
		for _, o := range g.s.stateOf(t) {
			sg, atoms := atomsFromRule(t, o.Attributes)
			if g.want[sg] == nil {
				g.want[sg] = map[atom]bool{}
			}
			for _, a := range atoms {
				g.want[sg][a] = true
			}
		}
		for _, it := range items[t] {
			sg, atoms := atomsFromRule(t, it.obj.Attributes)
			g.rules = append(g.rules, sgRuleItem{it, sg, atoms})
			g.ids[sg] = true
		}
	}
}

// readLive reads the groups, 200 IDs per call, concurrently.
func (g *sgScan) readLive(ctx context.Context) error {
	s := g.s
	return each(ctx, chunk(sortedKeys(g.ids), 200), func(batch []string) error {
		return pages(ctx, s, func(token *string) (*string, error) {
			out, err := s.c.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
				Filters:   []ec2types.Filter{{Name: aws.String("group-id"), Values: batch}},
				NextToken: token,
			})
			if err != nil {
				return nil, err
			}
			for _, sg := range out.SecurityGroups {
				g.record(sg)
			}
			return out.NextToken, nil
		})
	})
}

// record keeps the live atoms of one group and, for a state group, its
// attributes.
func (g *sgScan) record(sg ec2types.SecurityGroup) {
	id := aws.ToString(sg.GroupId)
	set := map[atom]bool{}
	for _, a := range atomsFromLive(id, "ingress", sg.IpPermissions) {
		set[a] = true
	}
	for _, a := range atomsFromLive(id, "egress", sg.IpPermissionsEgress) {
		set[a] = true
	}
	tags := map[string]any{}
	for _, t := range sg.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	g.live[id] = set
	if it := g.groups[id]; it != nil {
		it.found, it.arn = true, id
		it.live = map[string]any{
			"name":        aws.ToString(sg.GroupName),
			"description": aws.ToString(sg.Description),
			"vpc_id":      aws.ToString(sg.VpcId),
			"tags":        tags,
		}
	}
}

// judgeGroups adds to each found group the rules AWS has that nothing in
// the state expects (critical: an opening) and the inline rules AWS lost.
func (g *sgScan) judgeGroups() {
	for id, it := range g.groups {
		if !it.found {
			continue
		}
		var added, removed []string
		for a := range g.live[id] {
			if !g.want[id][a] {
				added = append(added, a.dir+"|"+a.String())
			}
		}
		for a := range g.inline[id] {
			if !g.live[id][a] {
				removed = append(removed, a.dir+"|"+a.String())
			}
		}
		sort.Strings(added)
		sort.Strings(removed)
		for _, a := range added {
			dir, text, _ := strings.Cut(a, "|")
			it.extra = append(it.extra, Change{Attribute: dir, Before: none, After: text, Class: Critical})
		}
		for _, r := range removed {
			dir, text, _ := strings.Cut(r, "|")
			it.extra = append(it.extra, Change{Attribute: dir, Before: text, After: none, Class: Review})
		}
	}
}

// judgeRules finds each rule resource whose atoms are all on its group.
func (g *sgScan) judgeRules() {
	for _, r := range g.rules {
		set, ok := g.live[r.sg]
		if !ok {
			r.it.note = "its security group " + r.sg + " does not exist"
			continue
		}
		found := len(r.atoms) > 0
		var gone []string
		for _, a := range r.atoms {
			if !set[a] {
				found = false
				gone = append(gone, a.String())
			}
		}
		r.it.found = found
		r.it.live = map[string]any{}
		if !found {
			r.it.note = "rule " + strings.Join(gone, ", ") + " is no longer on " + r.sg
		}
	}
}
