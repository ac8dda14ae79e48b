package drift

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// ELBAPI is the part of the Elastic Load Balancing v2 API drift-check reads.
type ELBAPI interface {
	DescribeLoadBalancers(ctx context.Context, in *elb.DescribeLoadBalancersInput, optFns ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error)
	DescribeListeners(ctx context.Context, in *elb.DescribeListenersInput, optFns ...func(*elb.Options)) (*elb.DescribeListenersOutput, error)
	DescribeRules(ctx context.Context, in *elb.DescribeRulesInput, optFns ...func(*elb.Options)) (*elb.DescribeRulesOutput, error)
	DescribeTargetGroups(ctx context.Context, in *elb.DescribeTargetGroupsInput, optFns ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error)
	DescribeTags(ctx context.Context, in *elb.DescribeTagsInput, optFns ...func(*elb.Options)) (*elb.DescribeTagsOutput, error)
	DescribeLoadBalancerAttributes(ctx context.Context, in *elb.DescribeLoadBalancerAttributesInput, optFns ...func(*elb.Options)) (*elb.DescribeLoadBalancerAttributesOutput, error)
	DescribeTargetGroupAttributes(ctx context.Context, in *elb.DescribeTargetGroupAttributesInput, optFns ...func(*elb.Options)) (*elb.DescribeTargetGroupAttributesOutput, error)
}

// elbHandler reads load balancers, listeners, listener rules and target
// groups.
var elbHandler = handler{
	types: []typeSpec{
		{"aws_lb", spec{sets: map[string][]string{}, maps: map[string]bool{"tags": true}}},
		{"aws_lb_listener", spec{sets: map[string][]string{"default_action": actionKeys}, maps: map[string]bool{"tags": true}}},
		{"aws_lb_listener_rule", spec{sets: map[string][]string{"action": actionKeys, "condition": conditionKeys}, maps: map[string]bool{"tags": true}}},
		{"aws_lb_target_group", spec{maps: map[string]bool{"tags": true}}},
	},
	need: func(c Clients) bool { return c.ELB != nil },
	run:  scanELB,
}

var (
	actionKeys    = []string{"type", "target_group_arn", "forward", "redirect", "fixed_response"}
	conditionKeys = []string{"path_pattern", "host_header", "http_header", "http_request_method", "query_string", "source_ip"}
)

// scanELB reads load balancers and target groups by listing them (a
// handful of pages even for large accounts, and immune to one missing ARN
// failing a batch), listeners per managed load balancer and rules per
// managed listener, then tags 20 ARNs per call.
func scanELB(ctx context.Context, s *Scanner, items map[string][]*item) error {
	e := &elbScan{s: s, items: items, managedLB: map[string]string{}, managedListener: map[string]string{}, mu: make(chan struct{}, 1)}
	for _, step := range []func(context.Context) error{e.loadBalancers, e.targetGroups, e.listeners, e.rules} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	if err := elbTags(ctx, s, e.tagged); err != nil {
		return err
	}
	return elbAttributes(ctx, s, items)
}

// elbScan is one scanELB run: each step reads one level (load balancers,
// target groups, listeners, rules) and records what the next one needs.
type elbScan struct {
	s     *Scanner
	items map[string][]*item
	// tagged are the items found, whose tags are read at the end.
	tagged []*item
	// managedLB and managedListener map the ARNs of found load balancers
	// and listeners to their addresses.
	managedLB, managedListener map[string]string
	// mu guards tagged and managedListener while listeners and rules are
	// read concurrently.
	mu chan struct{}
}

func (e *elbScan) lock()   { e.mu <- struct{}{} }
func (e *elbScan) unlock() { <-e.mu }

// byID indexes the items of typ by their ID (an ARN).
func (e *elbScan) byID(typ string) map[string]*item {
	m := map[string]*item{}
	for _, it := range e.items[typ] {
		m[it.obj.ID()] = it
	}
	return m
}

// known is the set of IDs of typ in any state.
func (e *elbScan) known(typ string) map[string]bool {
	m := map[string]bool{}
	for _, o := range e.s.stateOf(typ) {
		m[o.ID()] = true
	}
	return m
}

func (e *elbScan) loadBalancers(ctx context.Context) error {
	lbs := e.byID("aws_lb")
	if len(lbs) == 0 && len(e.items["aws_lb_target_group"]) == 0 {
		return nil
	}
	return pages(ctx, e.s, func(marker *string) (*string, error) {
		out, err := e.s.c.ELB.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Marker: marker, PageSize: aws.Int32(400)})
		if err != nil {
			return nil, err
		}
		for _, lb := range out.LoadBalancers {
			it := lbs[aws.ToString(lb.LoadBalancerArn)]
			if it == nil {
				continue
			}
			it.found, it.arn = true, aws.ToString(lb.LoadBalancerArn)
			e.managedLB[it.arn] = it.obj.Address
			it.live = liveLoadBalancer(lb)
			e.tagged = append(e.tagged, it)
		}
		return out.NextMarker, nil
	})
}

func liveLoadBalancer(lb elbtypes.LoadBalancer) map[string]any {
	var sgs, subnets []any
	for _, g := range lb.SecurityGroups {
		sgs = append(sgs, g)
	}
	for _, az := range lb.AvailabilityZones {
		subnets = append(subnets, aws.ToString(az.SubnetId))
	}
	return map[string]any{
		"name":               aws.ToString(lb.LoadBalancerName),
		"internal":           lb.Scheme == elbtypes.LoadBalancerSchemeEnumInternal,
		"load_balancer_type": string(lb.Type),
		"security_groups":    sgs,
		"subnets":            subnets,
		"ip_address_type":    string(lb.IpAddressType),
	}
}

// targetGroups reads the target groups of the state, and reports unmanaged
// ones attached to a managed load balancer.
func (e *elbScan) targetGroups(ctx context.Context) error {
	tgs := e.byID("aws_lb_target_group")
	if len(tgs) == 0 && len(e.managedLB) == 0 {
		return nil
	}
	knownTG := e.known("aws_lb_target_group")
	return pages(ctx, e.s, func(marker *string) (*string, error) {
		out, err := e.s.c.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Marker: marker, PageSize: aws.Int32(400)})
		if err != nil {
			return nil, err
		}
		for _, tg := range out.TargetGroups {
			arn := aws.ToString(tg.TargetGroupArn)
			it := tgs[arn]
			if it == nil {
				if !knownTG[arn] {
					e.unmanagedTargetGroup(tg)
				}
				continue
			}
			it.found, it.arn = true, arn
			it.live = liveTargetGroup(tg)
			e.tagged = append(e.tagged, it)
		}
		return out.NextMarker, nil
	})
}

func (e *elbScan) unmanagedTargetGroup(tg elbtypes.TargetGroup) {
	for _, lb := range tg.LoadBalancerArns {
		if addr, ok := e.managedLB[lb]; ok {
			e.s.addUnmanaged(Finding{Type: "aws_lb_target_group", ID: aws.ToString(tg.TargetGroupName), Parent: addr,
				Note: fmt.Sprintf("target group %s is attached to %s but no state knows it", aws.ToString(tg.TargetGroupName), addr)})
			return
		}
	}
}

func liveTargetGroup(tg elbtypes.TargetGroup) map[string]any {
	hc := map[string]any{
		"enabled":             aws.ToBool(tg.HealthCheckEnabled),
		"path":                aws.ToString(tg.HealthCheckPath),
		"port":                aws.ToString(tg.HealthCheckPort),
		"protocol":            string(tg.HealthCheckProtocol),
		"interval":            int(aws.ToInt32(tg.HealthCheckIntervalSeconds)),
		"timeout":             int(aws.ToInt32(tg.HealthCheckTimeoutSeconds)),
		"healthy_threshold":   int(aws.ToInt32(tg.HealthyThresholdCount)),
		"unhealthy_threshold": int(aws.ToInt32(tg.UnhealthyThresholdCount)),
	}
	if tg.Matcher != nil {
		hc["matcher"] = aws.ToString(tg.Matcher.HttpCode)
	}
	return map[string]any{
		"name":         aws.ToString(tg.TargetGroupName),
		"port":         int(aws.ToInt32(tg.Port)),
		"protocol":     string(tg.Protocol),
		"target_type":  string(tg.TargetType),
		"vpc_id":       aws.ToString(tg.VpcId),
		"health_check": []any{hc},
	}
}

// listeners reads the listeners of each load balancer a state listener
// names or that is managed, concurrently.
func (e *elbScan) listeners(ctx context.Context) error {
	listeners := e.byID("aws_lb_listener")
	lbOfListener := map[string]bool{}
	for _, it := range e.items["aws_lb_listener"] {
		lbOfListener[it.obj.String("load_balancer_arn")] = true
	}
	for arn := range e.managedLB {
		lbOfListener[arn] = true
	}
	knownListener := e.known("aws_lb_listener")
	return each(ctx, sortedKeys(lbOfListener), func(lbArn string) error {
		return pages(ctx, e.s, func(marker *string) (*string, error) {
			out, err := e.s.c.ELB.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbArn), Marker: marker, PageSize: aws.Int32(400)})
			if err != nil {
				if isCode(err, "LoadBalancerNotFound") {
					return nil, nil
				}
				return nil, err
			}
			e.lock()
			defer e.unlock()
			for _, l := range out.Listeners {
				arn := aws.ToString(l.ListenerArn)
				it := listeners[arn]
				if it == nil {
					if addr, ok := e.managedLB[lbArn]; ok && !knownListener[arn] {
						e.s.addUnmanaged(Finding{Type: "aws_lb_listener", ID: arn, Parent: addr,
							Note: fmt.Sprintf("listener on port %d of %s is not in any state", aws.ToInt32(l.Port), addr)})
					}
					continue
				}
				it.found, it.arn = true, arn
				it.want = withAttr(it.obj.Attributes, "default_action", simpleForward(it.obj.Attributes["default_action"]))
				e.managedListener[arn] = it.obj.Address
				it.live = liveListener(l)
				e.tagged = append(e.tagged, it)
			}
			return out.NextMarker, nil
		})
	})
}

func liveListener(l elbtypes.Listener) map[string]any {
	live := map[string]any{
		"port":           int(aws.ToInt32(l.Port)),
		"protocol":       string(l.Protocol),
		"default_action": liveActions(l.DefaultActions),
	}
	if l.Protocol == elbtypes.ProtocolEnumHttps || l.Protocol == elbtypes.ProtocolEnumTls {
		// HTTP listeners have no policy (moto invents one).
		live["ssl_policy"] = aws.ToString(l.SslPolicy)
	}
	if len(l.Certificates) > 0 {
		live["certificate_arn"] = aws.ToString(l.Certificates[0].CertificateArn)
	}
	return live
}

// rules reads the rules of managed listeners and of listeners state rules
// name, concurrently.
func (e *elbScan) rules(ctx context.Context) error {
	rules := e.byID("aws_lb_listener_rule")
	ruleListeners := map[string]bool{}
	for _, it := range e.items["aws_lb_listener_rule"] {
		ruleListeners[it.obj.String("listener_arn")] = true
	}
	for arn := range e.managedListener {
		ruleListeners[arn] = true
	}
	knownRule := e.known("aws_lb_listener_rule")
	return each(ctx, sortedKeys(ruleListeners), func(lArn string) error {
		return pages(ctx, e.s, func(marker *string) (*string, error) {
			out, err := e.s.c.ELB.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(lArn), Marker: marker, PageSize: aws.Int32(400)})
			if err != nil {
				if isCode(err, "ListenerNotFound") {
					return nil, nil
				}
				return nil, err
			}
			e.lock()
			defer e.unlock()
			for _, r := range out.Rules {
				if aws.ToBool(r.IsDefault) {
					continue
				}
				arn := aws.ToString(r.RuleArn)
				it := rules[arn]
				if it == nil {
					if addr, ok := e.managedListener[lArn]; ok && !knownRule[arn] {
						e.s.addUnmanaged(Finding{Type: "aws_lb_listener_rule", ID: arn, Parent: addr,
							Note: fmt.Sprintf("rule with priority %s on %s is not in any state", aws.ToString(r.Priority), addr)})
					}
					continue
				}
				it.found, it.arn = true, arn
				it.want = withAttr(it.obj.Attributes, "action", simpleForward(it.obj.Attributes["action"]))
				prio, _ := strconv.Atoi(aws.ToString(r.Priority))
				it.live = map[string]any{
					"priority":  prio,
					"action":    liveActions(r.Actions),
					"condition": liveConditions(r.Conditions),
				}
				e.tagged = append(e.tagged, it)
			}
			return out.NextMarker, nil
		})
	})
}

// elbAttributes reads the attributes Terraform keeps as arguments of
// aws_lb (deletion protection, idle timeout, ...) and aws_lb_target_group
// (deregistration delay, stickiness): one call per load balancer and per
// target group.
func elbAttributes(ctx context.Context, s *Scanner, items map[string][]*item) error {
	var lbs, tgs []*item
	for _, it := range items["aws_lb"] {
		if it.found && it.live["load_balancer_type"] == string(elbtypes.LoadBalancerTypeEnumApplication) {
			lbs = append(lbs, it)
		}
	}
	for _, it := range items["aws_lb_target_group"] {
		if it.found {
			tgs = append(tgs, it)
		}
	}
	err := each(ctx, lbs, func(it *item) error {
		out, err := call(ctx, s, func() (*elb.DescribeLoadBalancerAttributesOutput, error) {
			return s.c.ELB.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(it.arn)})
		})
		if err != nil {
			if s.partial("aws_lb", "attributes", err) {
				return nil
			}
			return err
		}
		for _, a := range out.Attributes {
			v := aws.ToString(a.Value)
			switch aws.ToString(a.Key) {
			case "deletion_protection.enabled":
				it.live["enable_deletion_protection"] = v
			case "idle_timeout.timeout_seconds":
				it.live["idle_timeout"] = v
			case "routing.http.drop_invalid_header_fields.enabled":
				it.live["drop_invalid_header_fields"] = v
			case "routing.http2.enabled":
				it.live["enable_http2"] = v
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return each(ctx, tgs, func(it *item) error {
		out, err := call(ctx, s, func() (*elb.DescribeTargetGroupAttributesOutput, error) {
			return s.c.ELB.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(it.arn)})
		})
		if err != nil {
			if s.partial("aws_lb_target_group", "attributes", err) {
				return nil
			}
			return err
		}
		st := map[string]any{}
		for _, a := range out.Attributes {
			v := aws.ToString(a.Value)
			switch aws.ToString(a.Key) {
			case "deregistration_delay.timeout_seconds":
				it.live["deregistration_delay"] = v
			case "stickiness.enabled":
				st["enabled"] = v
			case "stickiness.type":
				st["type"] = v
			case "stickiness.lb_cookie.duration_seconds":
				st["cookie_duration"] = v
			}
		}
		if len(st) > 0 {
			it.live["stickiness"] = []any{st}
		}
		return nil
	})
}

// simpleForward rewrites a forward action whose forward block names one
// target group as the plain target_group_arn form: AWS reports both
// spellings of the same action, and Terraform state may hold either.
func simpleForward(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			out = append(out, e)
			continue
		}
		c := map[string]any{}
		for k, x := range m {
			c[k] = x
		}
		if fw, ok := c["forward"].([]any); ok && len(fw) == 1 {
			if f, ok := fw[0].(map[string]any); ok {
				if tgs, ok := f["target_group"].([]any); ok && len(tgs) == 1 {
					if tg, ok := tgs[0].(map[string]any); ok {
						if c["target_group_arn"] == nil || c["target_group_arn"] == "" {
							c["target_group_arn"] = tg["arn"]
						}
						delete(c, "forward")
					}
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func liveActions(actions []elbtypes.Action) []any {
	var out []any
	for _, a := range actions {
		m := map[string]any{"type": string(a.Type), "target_group_arn": aws.ToString(a.TargetGroupArn)}
		if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 1 { // one is the plain form
			var tgs []any
			for _, t := range a.ForwardConfig.TargetGroups {
				tgs = append(tgs, map[string]any{"arn": aws.ToString(t.TargetGroupArn), "weight": int(aws.ToInt32(t.Weight))})
			}
			m["forward"] = []any{map[string]any{"target_group": tgs}}
		}
		if r := a.RedirectConfig; r != nil {
			m["redirect"] = []any{map[string]any{"port": aws.ToString(r.Port), "protocol": aws.ToString(r.Protocol), "status_code": string(r.StatusCode),
				"host": aws.ToString(r.Host), "path": aws.ToString(r.Path), "query": aws.ToString(r.Query)}}
		}
		if f := a.FixedResponseConfig; f != nil {
			m["fixed_response"] = []any{map[string]any{"content_type": aws.ToString(f.ContentType), "status_code": aws.ToString(f.StatusCode), "message_body": aws.ToString(f.MessageBody)}}
		}
		out = append(out, m)
	}
	return out
}

func liveConditions(conds []elbtypes.RuleCondition) []any {
	var out []any
	for _, c := range conds {
		m := map[string]any{}
		switch aws.ToString(c.Field) {
		case "path-pattern":
			vals := c.Values
			if c.PathPatternConfig != nil {
				vals = c.PathPatternConfig.Values
			}
			m["path_pattern"] = []any{map[string]any{"values": toAny(vals)}}
		case "host-header":
			vals := c.Values
			if c.HostHeaderConfig != nil {
				vals = c.HostHeaderConfig.Values
			}
			m["host_header"] = []any{map[string]any{"values": toAny(vals)}}
		case "http-request-method":
			if c.HttpRequestMethodConfig != nil {
				m["http_request_method"] = []any{map[string]any{"values": toAny(c.HttpRequestMethodConfig.Values)}}
			}
		case "source-ip":
			if c.SourceIpConfig != nil {
				m["source_ip"] = []any{map[string]any{"values": toAny(c.SourceIpConfig.Values)}}
			}
		case "http-header":
			if h := c.HttpHeaderConfig; h != nil {
				m["http_header"] = []any{map[string]any{"http_header_name": aws.ToString(h.HttpHeaderName), "values": toAny(h.Values)}}
			}
		}
		out = append(out, m)
	}
	return out
}

func elbTags(ctx context.Context, s *Scanner, list []*item) error {
	byArn := map[string]*item{}
	var arns []string
	for _, it := range list {
		byArn[it.arn] = it
		arns = append(arns, it.arn)
	}
	return each(ctx, chunk(arns, 20), func(batch []string) error { // DescribeTags takes 20 ARNs
		out, err := call(ctx, s, func() (*elb.DescribeTagsOutput, error) {
			return s.c.ELB.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: batch})
		})
		if err != nil {
			if s.partial("aws_lb_*", "tags", err) {
				return nil
			}
			return err
		}
		for _, td := range out.TagDescriptions {
			it := byArn[aws.ToString(td.ResourceArn)]
			if it == nil {
				continue
			}
			tags := map[string]any{}
			for _, t := range td.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			it.live["tags"] = tags
		}
		return nil
	})
}

// pages calls fn with each page token until it returns no token, counting
// every call against the scanner's budget.
func pages(ctx context.Context, s *Scanner, fn func(token *string) (*string, error)) error {
	var token *string
	for {
		next, err := call(ctx, s, func() (*string, error) { return fn(token) })
		if err != nil {
			return err
		}
		if next == nil || *next == "" {
			return nil
		}
		token = next
	}
}

// withAttr returns a copy of attrs with one attribute replaced.
func withAttr(attrs map[string]any, name string, v any) map[string]any {
	out := make(map[string]any, len(attrs))
	for k, x := range attrs {
		out[k] = x
	}
	out[name] = v
	return out
}
