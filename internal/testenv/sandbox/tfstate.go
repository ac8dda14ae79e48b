package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// awsProvider is how Terraform names the AWS provider in state.
const awsProvider = `provider["registry.terraform.io/hashicorp/aws"]`

// tfResource is one resource block of a Terraform state (format version 4);
// instances maps an instance key (nil for a single instance, else the
// for_each key) to the instance's attributes.
type tfResource struct {
	typ, name string
	keys      []any
	attrs     []map[string]any
}

func (r *tfResource) add(key any, attrs map[string]any) *tfResource {
	r.keys = append(r.keys, key)
	r.attrs = append(r.attrs, attrs)
	return r
}

// seedTerraformState writes the Terraform state describing the seeded stack
// to the state bucket, at the key the example's backend config for the
// environment names (examples/open-webui/terraform/backend/<env>.s3.tfbackend),
// so drift-check with `path` and `environment` finds it.
func seedTerraformState(ctx context.Context, c seedClients, st *Stack, _ SeedOptions) error {
	doc, err := st.TerraformState()
	if err != nil {
		return err
	}
	return putState(ctx, c, st, doc)
}

// putState writes a state document to the stack's state bucket and key.
func putState(ctx context.Context, c seedClients, st *Stack, doc []byte) error {
	if _, err := c.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(st.StateBucket), Key: aws.String(st.StateKey),
		Body: bytes.NewReader(doc), ContentType: aws.String("application/json"),
	}); err != nil {
		return fmt.Errorf("failed to write s3://%s/%s: %w", st.StateBucket, st.StateKey, err)
	}
	return nil
}

// TerraformState renders the Terraform state (format version 4) that
// `terraform apply` of examples/open-webui/terraform would have left for
// the seeded resources drift-check covers: security groups with their
// rules, the ALB with its listeners, listener rule and target groups, the
// ECS cluster, services and task definitions, the ECR repositories, log
// groups, alarms and IAM roles. Addresses follow the example's resource
// names (aws_ecs_service.this["mcpo"]); attributes use the AWS provider's
// names and hold what AWS answered when the seed created the resource, as
// Terraform records after an apply. Resources the seed creates but the
// example does not describe this way (VPC, subnets, bucket, tables) are
// left out: drift-check does not cover them.
func (st *Stack) TerraformState() ([]byte, error) {
	var res []*tfResource
	block := func(typ, name string) *tfResource {
		r := &tfResource{typ: typ, name: name}
		res = append(res, r)
		return r
	}
	envTags := func() map[string]any { return map[string]any{"Environment": st.Environment} }
	noTags := func() map[string]any { return map[string]any{} }

	// Security groups: rules inline, as the seed opens them, and the
	// default allow-all egress AWS adds to every new group.
	egress := []any{sgRule(-1, 0, "0.0.0.0/0", "")}
	ingress := map[string][]any{
		"alb":                    {sgRule(6, 80, "0.0.0.0/0", ""), sgRule(6, 443, "0.0.0.0/0", "")},
		"open-webui":             {sgRule(6, 8080, "", st.SecurityGroups["alb"])},
		"bedrock-access-gateway": {sgRule(6, 80, "", st.SecurityGroups["open-webui"])},
		"mcpo":                   {sgRule(6, 80, "", st.SecurityGroups["open-webui"])},
	}
	sg := func(g string) map[string]any {
		id := st.SecurityGroups[g]
		return map[string]any{
			"id": id, "arn": "arn:aws:ec2:" + st.Region + ":" + AccountID + ":security-group/" + id,
			"name": st.Cluster + "-" + g, "description": "ecsflow example stack: " + g, "vpc_id": st.VPCID,
			"ingress": ingress[g], "egress": egress, "revoke_rules_on_delete": false,
			"tags": noTags(), "tags_all": noTags(), "owner_id": AccountID,
		}
	}
	block("aws_security_group", "alb").add(nil, sg("alb"))
	svcSG := block("aws_security_group", "service")
	for _, s := range ServiceNames {
		svcSG.add(s, sg(s))
	}

	// Load balancer, target groups, listeners and the rule.
	block("aws_lb", "main").add(nil, map[string]any{
		"id": st.LoadBalancerARN, "arn": st.LoadBalancerARN, "name": st.Cluster, "dns_name": st.LoadBalancerDNS,
		"internal": false, "load_balancer_type": "application", "ip_address_type": "ipv4",
		"security_groups": []any{st.SecurityGroups["alb"]}, "subnets": strs(st.PublicSubnets),
		"enable_deletion_protection": false, "idle_timeout": 60, "drop_invalid_header_fields": false, "enable_http2": true,
		"tags": noTags(), "tags_all": noTags(),
	})
	tgs := block("aws_lb_target_group", "webui")
	for _, color := range []string{"blue", "green"} {
		arn := st.TargetGroups[color]
		tgs.add(color, map[string]any{
			"id": arn, "arn": arn, "name": st.Cluster + "-webui-" + color, "port": 8080, "protocol": "HTTP",
			"target_type": "ip", "vpc_id": st.VPCID, "deregistration_delay": "300",
			"health_check": []any{map[string]any{
				"enabled": true, "path": "/health", "port": "traffic-port", "protocol": "HTTP", "matcher": "200",
				"interval": 15, "timeout": 5, "healthy_threshold": 2, "unhealthy_threshold": 3,
			}},
			"stickiness": []any{map[string]any{"enabled": false, "type": "lb_cookie", "cookie_duration": 86400}},
			"tags":       noTags(), "tags_all": noTags(),
		})
	}
	action := func(m map[string]any) map[string]any {
		out := map[string]any{"target_group_arn": "", "redirect": []any{}, "fixed_response": []any{}, "forward": []any{}}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	block("aws_lb_listener", "http").add(nil, map[string]any{
		"id": st.HTTPListenerARN, "arn": st.HTTPListenerARN, "load_balancer_arn": st.LoadBalancerARN,
		"port": 80, "protocol": "HTTP", "ssl_policy": "", "certificate_arn": nil,
		"default_action": []any{action(map[string]any{"type": "redirect", "redirect": []any{map[string]any{
			"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301", "host": "#{host}", "path": "/#{path}", "query": "#{query}",
		}}})},
		"tags": noTags(), "tags_all": noTags(),
	})
	block("aws_lb_listener", "https").add(nil, map[string]any{
		"id": st.HTTPSListenerARN, "arn": st.HTTPSListenerARN, "load_balancer_arn": st.LoadBalancerARN,
		"port": 443, "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "certificate_arn": st.certificateARN,
		"default_action": []any{action(map[string]any{"type": "fixed-response", "fixed_response": []any{map[string]any{
			"content_type": "text/plain", "status_code": "404", "message_body": "not found",
		}}})},
		"tags": noTags(), "tags_all": noTags(),
	})
	block("aws_lb_listener_rule", "webui").add(nil, map[string]any{
		"id": st.ListenerRuleARN, "arn": st.ListenerRuleARN, "listener_arn": st.HTTPSListenerARN, "priority": 100,
		"action": []any{action(map[string]any{"type": "forward", "target_group_arn": st.TargetGroups["blue"]})},
		"condition": []any{map[string]any{
			"path_pattern": []any{map[string]any{"values": []any{"/*"}}},
			"host_header":  []any{}, "http_header": []any{}, "http_request_method": []any{}, "query_string": []any{}, "source_ip": []any{},
		}},
		"tags": noTags(), "tags_all": noTags(),
	})

	// ECS: cluster, task definitions and services.
	block("aws_ecs_cluster", "main").add(nil, map[string]any{
		"id": st.ClusterARN, "arn": st.ClusterARN, "name": st.Cluster,
		"setting": []any{map[string]any{"name": "containerInsights", "value": "enhanced"}},
		"tags":    envTags(), "tags_all": envTags(),
	})
	tds := block("aws_ecs_task_definition", "this")
	svcs := block("aws_ecs_service", "this")
	for _, s := range st.Services {
		td := st.taskDefs[s.Name]
		if td == nil {
			return nil, fmt.Errorf("no registered task definition recorded for %s", s.Name)
		}
		attrs, err := taskDefState(td, st.taskDefTags[s.Name])
		if err != nil {
			return nil, fmt.Errorf("failed to render the container definitions of %s: %w", s.Name, err)
		}
		tds.add(s.Name, attrs)

		lbs := []any{}
		grace := 0
		if s.Name == "open-webui" {
			lbs = append(lbs, map[string]any{"target_group_arn": st.TargetGroups["blue"], "container_name": s.Name, "container_port": int(s.Port), "elb_name": "",
				"advanced_configuration": []any{map[string]any{"alternate_target_group_arn": st.TargetGroups["green"],
					"production_listener_rule": st.ListenerRuleARN, "role_arn": st.InfrastructureRoleARN, "test_listener_rule": ""}}})
			grace = 60
		}
		svcs.add(s.Name, map[string]any{
			"id": s.ARN, "name": s.Name, "cluster": st.ClusterARN, "task_definition": s.TaskDefinitionARN,
			"desired_count": int(st.desiredCount), "launch_type": "FARGATE", "platform_version": "LATEST",
			"propagate_tags": "SERVICE", "enable_execute_command": false, "enable_ecs_managed_tags": false,
			"health_check_grace_period_seconds":  grace,
			"deployment_maximum_percent":         200,
			"deployment_minimum_healthy_percent": 100,
			"deployment_circuit_breaker":         []any{map[string]any{"enable": true, "rollback": true}},
			"deployment_controller":              []any{map[string]any{"type": "ECS"}},
			"alarms":                             []any{map[string]any{"alarm_names": strs(s.DeploymentAlarms), "enable": true, "rollback": true}},
			"network_configuration": []any{map[string]any{
				"subnets": strs(st.PrivateSubnets), "security_groups": []any{st.SecurityGroups[s.Name]}, "assign_public_ip": false,
			}},
			"load_balancer": lbs, "service_registries": []any{},
			"tags": envTags(), "tags_all": envTags(),
		})
	}

	// ECR, logs, alarms.
	repos := block("aws_ecr_repository", "this")
	logs := block("aws_cloudwatch_log_group", "service")
	for _, s := range st.Services {
		repos.add(s.Name, map[string]any{
			"id": s.Repository, "name": s.Repository, "repository_url": s.RepositoryURI,
			"arn":                          "arn:aws:ecr:" + st.Region + ":" + AccountID + ":repository/" + s.Repository,
			"registry_id":                  AccountID,
			"image_tag_mutability":         "IMMUTABLE",
			"image_scanning_configuration": []any{map[string]any{"scan_on_push": true}},
			"encryption_configuration":     []any{map[string]any{"encryption_type": "AES256", "kms_key": ""}},
			"tags":                         noTags(), "tags_all": noTags(),
		})
		logs.add(s.Name, map[string]any{
			"id": s.LogGroup, "name": s.LogGroup, "arn": "arn:aws:logs:" + st.Region + ":" + AccountID + ":log-group:" + s.LogGroup,
			"retention_in_days": 30, "kms_key_id": "", "skip_destroy": false, "log_group_class": "STANDARD",
			"tags": noTags(), "tags_all": noTags(),
		})
	}
	alarmBlocks := map[string]*tfResource{}
	for _, name := range []string{"errors", "cpu_high", "memory_high", "running_tasks_low", "webui_5xx", "webui_unhealthy", "webui_latency"} {
		alarmBlocks[name] = block("aws_cloudwatch_metric_alarm", name)
	}
	for _, s := range st.Services {
		for _, a := range serviceAlarms(st, s.Name) {
			suffix := strings.TrimPrefix(aws.ToString(a.in.AlarmName), st.Cluster+"-"+s.Name+"-")
			name, key := strings.ReplaceAll(suffix, "-", "_"), any(s.Name)
			switch suffix {
			case "5xx", "unhealthy-hosts", "latency-p95":
				name, key = map[string]string{"5xx": "webui_5xx", "unhealthy-hosts": "webui_unhealthy", "latency-p95": "webui_latency"}[suffix], nil
			}
			b := alarmBlocks[name]
			if b == nil {
				return nil, fmt.Errorf("alarm %s has no resource block in the state", aws.ToString(a.in.AlarmName))
			}
			b.add(key, alarmAttrs(st, a.in))
		}
	}

	// IAM roles the seed creates: task roles, and the role ECS itself
	// assumes to shift traffic.
	role := func(name, principal string) map[string]any {
		trust, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": principal}, "Action": "sts:AssumeRole"}}})
		return map[string]any{
			"id": name, "name": name, "arn": "arn:aws:iam::" + AccountID + ":role/" + name,
			"assume_role_policy": string(trust), "description": "", "max_session_duration": 3600, "path": "/",
			"permissions_boundary": "", "force_detach_policies": false, "tags": noTags(), "tags_all": noTags(),
		}
	}
	block("aws_iam_role", "execution").add(nil, role(lastSegment(st.ExecutionRoleARN), "ecs-tasks.amazonaws.com"))
	block("aws_iam_role", "ecs_infrastructure").add(nil, role(lastSegment(st.InfrastructureRoleARN), "ecs.amazonaws.com"))
	taskRoles := block("aws_iam_role", "task")
	for _, s := range ServiceNames {
		taskRoles.add(s, role(st.Cluster+"-"+s+"-task"+st.roleSuffix(), "ecs-tasks.amazonaws.com"))
	}
	return renderState(st, res)
}

// taskDefState is the state of an aws_ecs_task_definition as the provider
// records it after registering td with tags.
func taskDefState(td *ecstypes.TaskDefinition, tagList []ecstypes.Tag) (map[string]any, error) {
	cds, err := containerDefinitionsJSON(td.ContainerDefinitions)
	if err != nil {
		return nil, err
	}
	var compat []any
	for _, c := range td.RequiresCompatibilities {
		compat = append(compat, string(c))
	}
	tags := map[string]any{}
	for _, t := range tagList {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	attrs := map[string]any{
		"id": aws.ToString(td.Family), "arn": aws.ToString(td.TaskDefinitionArn),
		"arn_without_revision": strings.TrimSuffix(aws.ToString(td.TaskDefinitionArn), fmt.Sprintf(":%d", td.Revision)),
		"family":               aws.ToString(td.Family), "revision": td.Revision,
		"container_definitions": cds, "cpu": aws.ToString(td.Cpu), "memory": aws.ToString(td.Memory),
		"network_mode": string(td.NetworkMode), "execution_role_arn": aws.ToString(td.ExecutionRoleArn),
		"task_role_arn": aws.ToString(td.TaskRoleArn), "requires_compatibilities": compat,
		"tags": tags, "tags_all": tags,
	}
	if rp := td.RuntimePlatform; rp != nil {
		attrs["runtime_platform"] = []any{map[string]any{"cpu_architecture": string(rp.CpuArchitecture), "operating_system_family": string(rp.OperatingSystemFamily)}}
	}
	return attrs, nil
}

func (st *Stack) roleSuffix() string {
	if st.Region != DefaultRegion {
		return "-" + st.Region
	}
	return ""
}

func lastSegment(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func renderState(st *Stack, res []*tfResource) ([]byte, error) {
	var out []any
	for _, r := range res {
		var inst []any
		for i, attrs := range r.attrs {
			m := map[string]any{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []any{}, "private": "bnVsbA=="}
			if k := r.keys[i]; k != nil {
				m["index_key"] = k
			}
			inst = append(inst, m)
		}
		out = append(out, map[string]any{
			"mode": "managed", "type": r.typ, "name": r.name, "provider": awsProvider, "instances": inst,
		})
	}
	return json.MarshalIndent(map[string]any{
		"version": 4, "terraform_version": "1.11.4", "serial": 1,
		"lineage": "ecsflow-sandbox-" + st.Project + "-" + st.Environment + "-" + st.Region,
		"outputs": map[string]any{
			"cluster_name":      map[string]any{"value": st.Cluster, "type": "string"},
			"load_balancer_dns": map[string]any{"value": st.LoadBalancerDNS, "type": "string"},
		},
		"resources": out, "check_results": nil,
	}, "", "  ")
}

// sgRule is one inline ingress or egress block of an aws_security_group.
func sgRule(proto, port int, cidr, group string) map[string]any {
	p := "tcp"
	if proto == -1 {
		p = "-1"
	}
	m := map[string]any{
		"from_port": port, "to_port": port, "protocol": p, "cidr_blocks": []any{}, "ipv6_cidr_blocks": []any{},
		"prefix_list_ids": []any{}, "security_groups": []any{}, "self": false, "description": "",
	}
	if cidr != "" {
		m["cidr_blocks"] = []any{cidr}
	}
	if group != "" {
		m["security_groups"] = []any{group}
	}
	return m
}

func alarmAttrs(st *Stack, in cloudwatch.PutMetricAlarmInput) map[string]any {
	dims := map[string]any{}
	for _, d := range in.Dimensions {
		dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	name := aws.ToString(in.AlarmName)
	return map[string]any{
		"id": name, "alarm_name": name, "arn": "arn:aws:cloudwatch:" + st.Region + ":" + AccountID + ":alarm:" + name,
		"alarm_description": aws.ToString(in.AlarmDescription), "comparison_operator": string(in.ComparisonOperator),
		"evaluation_periods": int(aws.ToInt32(in.EvaluationPeriods)), "metric_name": aws.ToString(in.MetricName),
		"namespace": aws.ToString(in.Namespace), "period": int(aws.ToInt32(in.Period)), "statistic": string(in.Statistic),
		"extended_statistic": aws.ToString(in.ExtendedStatistic), "threshold": aws.ToFloat64(in.Threshold),
		"treat_missing_data": aws.ToString(in.TreatMissingData), "actions_enabled": true,
		"alarm_actions": []any{}, "ok_actions": []any{}, "insufficient_data_actions": []any{},
		"dimensions": dims, "tags": map[string]any{}, "tags_all": map[string]any{},
	}
}

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// containerDefinitionsJSON renders container definitions as the provider
// keeps them in state: a JSON string in the API's lowerCamel spelling.
func containerDefinitionsJSON(defs []ecstypes.ContainerDefinition) (string, error) {
	b, err := json.Marshal(defs)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	out, err := json.Marshal(camelKeys(v))
	return string(out), err
}

func camelKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e := x[k]
			if e == nil {
				continue
			}
			r := []rune(k)
			r[0] = unicode.ToLower(r[0])
			out[string(r)] = camelKeys(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = camelKeys(e)
		}
	}
	return v
}
