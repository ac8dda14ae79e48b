package tfparse

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// EvalWith resolves references to resources whose attributes the caller
// knows, directly, through an index by each.key, and through a local that
// collects them; Eval leaves the same references unknown.
func TestEvalWithResolvesKnownResources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `
locals {
  services = { api = 1, worker = 2 }
  alarms   = { for k, _ in local.services : k => [aws_cloudwatch_metric_alarm.errors[k].alarm_name] }
}
resource "aws_ecs_service" "svc" {
  for_each    = local.services
  cluster     = aws_ecs_cluster.this.id
  task        = aws_ecs_task_definition.svc[each.key].arn
  image       = "${aws_ecr_repository.app.repository_url}:initial"
  alarm_names = local.alarms[each.key]
  queue       = aws_sqs_queue.jobs.url
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := tree.Modules[0]
	obj := func(kv ...string) cty.Value {
		attrs := map[string]cty.Value{}
		for i := 0; i < len(kv); i += 2 {
			attrs[kv[i]] = cty.StringVal(kv[i+1])
		}
		return cty.ObjectVal(attrs)
	}
	extra := map[string]cty.Value{
		"aws_ecs_cluster":    cty.ObjectVal(map[string]cty.Value{"this": obj("id", "arn:cluster/shop")}),
		"aws_ecr_repository": cty.ObjectVal(map[string]cty.Value{"app": obj("repository_url", "reg/shop/app")}),
		"aws_ecs_task_definition": cty.ObjectVal(map[string]cty.Value{"svc": cty.ObjectVal(map[string]cty.Value{
			"api": obj("arn", "td/api:1"), "worker": obj("arn", "td/worker:1")})}),
		"aws_cloudwatch_metric_alarm": cty.ObjectVal(map[string]cty.Value{"errors": cty.ObjectVal(map[string]cty.Value{
			"api": obj("alarm_name", "api-errors"), "worker": obj("alarm_name", "worker-errors")})}),
	}
	insts := m.Eval.Instances(m.Resources["aws_ecs_service.svc"])
	if len(insts) != 2 {
		t.Fatalf("want 2 instances, got %d", len(insts))
	}
	inst := insts[1] // worker (keys in order)
	cases := []struct {
		attr string
		want cty.Value
	}{
		{"cluster", cty.StringVal("arn:cluster/shop")},
		{"task", cty.StringVal("td/worker:1")},
		{"image", cty.StringVal("reg/shop/app:initial")},
		{"alarm_names", cty.TupleVal([]cty.Value{cty.StringVal("worker-errors")})},
	}
	b := inst.Block
	for _, tc := range cases {
		t.Run(tc.attr, func(t *testing.T) {
			expr := b.Attr(tc.attr).Expr
			if got := inst.Eval(expr); got.IsWhollyKnown() {
				t.Fatalf("Eval knows %s without the extra values: %#v", tc.attr, got)
			}
			got := inst.EvalWith(expr, extra)
			if !got.RawEquals(tc.want) {
				t.Fatalf("EvalWith(%s) = %#v, want %#v", tc.attr, got, tc.want)
			}
		})
	}
	if v := inst.EvalWith(b.Attr("queue").Expr, extra); v.IsKnown() {
		t.Fatalf("a resource type the caller does not know stays unknown, got %#v", v)
	}
}
