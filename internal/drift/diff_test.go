package drift

import (
	"encoding/json"
	"strings"
	"testing"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func render(cs []Change) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Attribute+": "+c.Before+" -> "+c.After)
	}
	return strings.Join(parts, "\n")
}

func TestCompare(t *testing.T) {
	t.Parallel()
	sp := spec{
		sets: map[string][]string{"load_balancer": {"target_group_arn", "container_port"}},
		maps: map[string]bool{"tags": true},
	}
	cases := []struct {
		name, want, live string
		out              string
	}{
		{"equal numbers in other spellings", `{"desired_count": 2, "threshold": 80}`, `{"desired_count": 2.0, "threshold": 80}`, ""},
		{"scalar change", `{"desired_count": 2}`, `{"desired_count": 5}`, "desired_count: 2 -> 5"},
		{"empty equals absent", `{"kms_key_id": "", "alarm_actions": []}`, `{"kms_key_id": null, "alarm_actions": null}`, ""},
		{"state-only attributes are not read, not drift", `{"deregistration_delay": "300"}`, `{}`, ""},
		{"tag added and removed", `{"tags": {"Env": "dev", "Team": "a"}}`, `{"tags": {"Env": "dev", "Owner": "bob"}}`,
			"tags.Owner: (none) -> bob\ntags.Team: a -> (none)"},
		{"one block enters", `{"health_check": [{"path": "/", "interval": 30, "matcher": "200"}]}`, `{"health_check": [{"path": "/health", "interval": 30}]}`,
			"health_check.path: / -> /health"},
		{"string lists are sets", `{"subnets": ["b", "a"]}`, `{"subnets": ["a", "b"]}`, ""},
		{"set of blocks by listed keys", `{"load_balancer": [{"target_group_arn": "tg1", "container_port": 80, "elb_name": ""}]}`,
			`{"load_balancer": [{"target_group_arn": "tg2", "container_port": 80}]}`,
			"load_balancer: target_group_arn=tg1 container_port=80 -> target_group_arn=tg2 container_port=80"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := render(compare(sp, decode(t, tc.want), decode(t, tc.live)))
			if got != tc.out {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.out)
			}
		})
	}
}

func TestContainerDefinitionsCompareByNameIgnoringOrderAndDefaults(t *testing.T) {
	t.Parallel()
	state := `[{"name":"app","image":"r/app:v1","essential":true,"cpu":0,"environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"mountPoints":[]},{"name":"side","image":"r/side:1"}]`
	live := []any{
		map[string]any{"name": "side", "image": "r/side:1", "essential": false},
		map[string]any{"name": "app", "image": "r/app:v2", "essential": true, "environment": []any{map[string]any{"name": "B", "value": "2"}, map[string]any{"name": "A", "value": "1"}}},
	}
	sp := spec{maps: map[string]bool{"container_definitions": true}}
	got := render(compare(sp, map[string]any{"container_definitions": containerMap(state)}, map[string]any{"container_definitions": containerMap(live)}))
	if got != "container_definitions.app.image: r/app:v1 -> r/app:v2" {
		t.Fatalf("got %q", got)
	}
}

func TestCanonJSONTreatsPolicySpellingsAlike(t *testing.T) {
	t.Parallel()
	a := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}`
	b := `{"Statement":[{"Action":["sts:AssumeRole"],"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com"]}}],"Version":"2012-10-17"}`
	if canonJSON(a) != canonJSON(b) {
		t.Fatalf("%s\n%s", canonJSON(a), canonJSON(b))
	}
	if canonJSON(a) == canonJSON(strings.Replace(a, "Allow", "Deny", 1)) {
		t.Fatal("different policies compare equal")
	}
}

func TestIgnorer(t *testing.T) {
	t.Parallel()
	ig, err := NewIgnorer([]string{"aws_ecs_service.*.desired_count", "aws_lb.main", "**.tags.LastScanned", "aws_cloudwatch_metric_alarm.*.dimensions"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		addr, attr string
		want       bool
	}{
		{"aws_ecs_service.web", "desired_count", true},
		{`module.app.aws_ecs_service.svc["api"]`, "desired_count", true},
		{"aws_ecs_service.web", "task_definition", false},
		{"aws_lb.main", "", true},
		{"aws_lb.main", "internal", true},
		{"aws_lb.other", "internal", false},
		{"aws_iam_role.x", "tags.LastScanned", true},
		{"aws_iam_role.x", "tags.Owner", false},
		{"aws_cloudwatch_metric_alarm.cpu", "dimensions.ServiceName", true},
	}
	for _, tc := range cases {
		if got := ig.Match(tc.addr, tc.attr); got != tc.want {
			t.Errorf("Match(%s, %s) = %v", tc.addr, tc.attr, got)
		}
	}
	for _, bad := range []string{"*", "**", "", "*.*", "a b"} {
		if _, err := NewIgnorer([]string{bad}); err == nil {
			t.Errorf("pattern %q accepted", bad)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typ string
		c   Change
		cls Class
	}{
		{"aws_ecs_service", Change{Attribute: "tags.Owner"}, Safe},
		{"aws_cloudwatch_metric_alarm", Change{Attribute: "alarm_description"}, Safe},
		{"aws_ecs_service", Change{Attribute: "desired_count"}, Review},
		{"aws_iam_role", Change{Attribute: "assume_role_policy"}, Critical},
		{"aws_security_group", Change{Attribute: "ingress", Before: none, After: "tcp 22 from 0.0.0.0/0"}, Critical},
		{"aws_security_group", Change{Attribute: "ingress", Before: "tcp 22 from 10.0.0.0/8", After: none}, Review},
		{"aws_lb", Change{Attribute: "internal", Before: "true", After: "false"}, Critical},
		{"aws_ecs_service", Change{Attribute: "network_configuration.assign_public_ip", After: "true"}, Critical},
		{"aws_ecr_repository", Change{Attribute: "image_tag_mutability", After: "MUTABLE"}, Critical},
		{"aws_lb_listener", Change{Attribute: "protocol", Before: "HTTPS", After: "HTTP"}, Critical},
		{"aws_lb_listener", Change{Attribute: "protocol", Before: "HTTP", After: "HTTPS"}, Review},
	}
	for _, tc := range cases {
		if got := classify(tc.typ, tc.c); got != tc.cls {
			t.Errorf("classify(%s, %s) = %s, want %s", tc.typ, tc.c.Attribute, got, tc.cls)
		}
	}
}

func TestSimpleForwardSpellingsCompareEqual(t *testing.T) {
	t.Parallel()
	state := decode(t, `{"default_action":[{"type":"forward","target_group_arn":"","forward":[{"target_group":[{"arn":"tg1","weight":1}],"stickiness":[]}]}]}`)
	live := decode(t, `{"default_action":[{"type":"forward","target_group_arn":"tg1"}]}`)
	sp := spec{sets: map[string][]string{"default_action": actionKeys}}
	want := withAttr(state, "default_action", simpleForward(state["default_action"]))
	if got := render(compare(sp, want, live)); got != "" {
		t.Fatalf("got %q", got)
	}
	weighted := decode(t, `{"default_action":[{"type":"forward","forward":[{"target_group":[{"arn":"tg1","weight":90},{"arn":"tg2","weight":10}]}]}]}`)
	if got := render(compare(sp, withAttr(weighted, "default_action", simpleForward(weighted["default_action"])), live)); got == "" {
		t.Fatal("a weighted forward must differ from a plain one")
	}
}

func TestEnvironmentValuesNeverReachTheReport(t *testing.T) {
	t.Parallel()
	state := `[{"name":"app","image":"r/app:v1","environment":[{"name":"DB_PASSWORD","value":"hunter2"},{"name":"PORT","value":"8080"}]}]`
	live := []any{map[string]any{"name": "app", "image": "r/app:v1", "environment": []any{
		map[string]any{"name": "PORT", "value": "8080"}, map[string]any{"name": "DB_PASSWORD", "value": "s3cr3t-rotated"}}}}
	sp := spec{maps: map[string]bool{"container_definitions": true}}
	cs := compare(sp, map[string]any{"container_definitions": containerMap(state)}, map[string]any{"container_definitions": containerMap(live)})
	if len(cs) != 1 || cs[0].Attribute != "container_definitions.app.environment.DB_PASSWORD" {
		t.Fatalf("changes = %s", render(cs))
	}
	if strings.Contains(render(cs), "hunter2") || strings.Contains(render(cs), "s3cr3t") || !strings.HasPrefix(cs[0].Before, "sha256:") {
		t.Fatalf("a value leaked: %s", render(cs))
	}
}

func TestDefaultTagsFromTagsAllAreNotDrift(t *testing.T) {
	t.Parallel()
	s := New(Clients{}, Options{})
	res := &Result{}
	it := &item{typ: "aws_ecs_cluster", found: true,
		want: decode(t, `{"tags": {"Name": "x"}, "tags_all": {"Name": "x", "Environment": "dev"}}`),
		live: decode(t, `{"tags": {"Name": "x", "Environment": "dev"}}`)}
	it.obj.Address, it.obj.Type = "aws_ecs_cluster.x", "aws_ecs_cluster"
	if f, ok := s.judge(it, res); ok {
		t.Fatalf("default tags reported as drift: %+v", f)
	}
	it.live = decode(t, `{"tags": {"Name": "x"}}`)
	f, ok := s.judge(it, res)
	if !ok || f.Changes[0].Attribute != "tags.Environment" || f.Class != Safe {
		t.Fatalf("a removed default tag must be safe drift: %+v", f)
	}
}
