package drift_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/testenv/drifttest"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/tfstate"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

var regionSeq atomic.Int32

// regions gives each test its own moto region, so parallel tests do not
// see each other's resources.
var regions = []string{"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-2", "ca-central-1", "sa-east-1", "us-west-1", "us-west-2", "us-east-2", "ap-south-1"}

func newStack(t *testing.T, services int) (drifttest.Clients, *drifttest.Stack, aws.Config) {
	t.Helper()
	seq := int(regionSeq.Add(1))
	region := regions[(seq-1)%len(regions)]
	sb := sandboxtest.Start(t)
	cfg := sandboxtest.Config(t, region)
	// Straight to moto: the sandbox's ECS simulator keeps clusters to itself,
	// and Application Auto Scaling (in moto) must see the cluster.
	cfg.BaseEndpoint = aws.String(sb.MotoURL)
	c := drifttest.NewClients(cfg, cloudwatchclient.Options(sb.Getenv)...)
	name := fmt.Sprintf("d%d%s", seq, strings.ReplaceAll(region, "-", ""))
	st, err := drifttest.Build(context.Background(), c, drifttest.Options{Name: name, Services: services})
	if err != nil {
		t.Fatalf("build stack: %v", err)
	}
	return c, st, cfg
}

func scan(t *testing.T, c drifttest.Clients, st *drifttest.Stack, o drift.Options) *drift.Result {
	t.Helper()
	s, err := tfstate.Parse(st.State())
	if err != nil {
		t.Fatal(err)
	}
	res, err := drift.New(c.Drift(), o).Scan(context.Background(), s.Managed())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

func dump(res *drift.Result) string {
	var b strings.Builder
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "%s %s %s %s\n", f.Class, f.Kind, f.Name(), f.Note)
		for _, c := range f.Changes {
			fmt.Fprintf(&b, "    %s: %s -> %s (%s)\n", c.Attribute, c.Before, c.After, c.Class)
		}
	}
	for _, n := range res.NotChecked {
		fmt.Fprintf(&b, "not checked %s: %s %s\n", n.Type, n.Reason, n.Permission)
	}
	return b.String()
}

func TestInSyncStackHasNoDrift(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 2)
	res := scan(t, c, st, drift.Options{})
	if len(res.Findings) != 0 || len(res.NotChecked) != 0 {
		t.Fatalf("want no findings, got:\n%s", dump(res))
	}
	if res.Checked != st.Resources || res.Managed != st.Resources || res.Coverage() != 100 {
		t.Errorf("checked %d managed %d total %d coverage %.1f; want %d resources all managed", res.Checked, res.Managed, res.Total, res.Coverage(), st.Resources)
	}
}

type fakeLedger map[drift.ServiceKey]string

func (f fakeLedger) LastGood(_ context.Context, keys []drift.ServiceKey) (map[drift.ServiceKey]string, error) {
	out := map[drift.ServiceKey]string{}
	for _, k := range keys {
		if v, ok := f[drift.ServiceKey{Cluster: k.Cluster, Service: k.Service}]; ok {
			out[k] = v
		}
	}
	return out, nil
}

// summary renders findings as "class kind name attr,attr" lines.
func summary(res *drift.Result) []string {
	var out []string
	for _, f := range res.Findings {
		var attrs []string
		for _, c := range f.Changes {
			attrs = append(attrs, c.Attribute)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s", f.Class, f.Kind, f.Name(), strings.Join(attrs, ",")))
	}
	return out
}

func TestChangesBehindTerraformsBackAreFoundAndClassified(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 3)
	ctx := context.Background()
	s0, s1, s2 := st.Services[0], st.Services[1], st.Services[2]

	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, s1.Name, 5))   // drift
	mustDo(t, drifttest.ScaleService(ctx, c, st.Cluster, s0.Name, 4))   // autoscaling owns it: no drift
	hand, err := drifttest.NewRevision(ctx, c, s2.TaskDefARN, "hotfix") // hand-made revision
	mustDo(t, err)
	mustDo(t, drifttest.SwapTaskDefinition(ctx, c, st.Cluster, s2.Name, hand)) // drift
	ci, err := drifttest.NewRevision(ctx, c, s0.TaskDefARN, "v2")              // CI-deployed revision
	mustDo(t, err)
	mustDo(t, drifttest.SwapTaskDefinition(ctx, c, st.Cluster, s0.Name, ci)) // ignore_changes: no drift
	mustDo(t, drifttest.OpenIngress(ctx, c, st.ALBSG, 22, "0.0.0.0/0"))      // critical
	mustDo(t, drifttest.DeleteAlarm(ctx, c, s1.Alarm))                       // missing
	mustDo(t, drifttest.ExtraService(ctx, c, st, "intruder"))                // unmanaged
	mustDo(t, drifttest.TagLogGroup(ctx, c, s0.LogGroup, "Owner", "bob"))    // safe
	mustDo(t, drifttest.SetAlarmThreshold(ctx, c, s0.Alarm, 95))             // ignored by pattern

	ig, err := drift.NewIgnorer([]string{"aws_cloudwatch_metric_alarm.*.threshold"})
	mustDo(t, err)
	res := scan(t, c, st, drift.Options{
		Ignore:        ig,
		IgnoreChanges: tfstate.IgnoreChanges{"aws_ecs_service." + s0.Name: {"task_definition"}},
	})
	got := summary(res)
	want := []string{
		"critical missing aws_cloudwatch_metric_alarm." + s1.Name + "_cpu ",
		"critical changed aws_security_group.alb ingress",
		"review unmanaged aws_ecs_service intruder ",
		"review changed aws_ecs_service." + s1.Name + " desired_count",
		"review changed aws_ecs_service." + s2.Name + " task_definition",
		"safe changed aws_cloudwatch_log_group." + s0.Name + " tags.Owner",
	}
	assertLines(t, got, want, dump(res))
	for _, f := range res.Findings {
		switch {
		case f.Type == "aws_security_group":
			if f.Changes[0].After != "tcp 22 from 0.0.0.0/0" || f.Changes[0].Before != "(none)" {
				t.Errorf("ingress change = %+v", f.Changes[0])
			}
		case f.Address == "aws_ecs_service."+s1.Name:
			if c := f.Changes[0]; c.Before != "2" || c.After != "5" {
				t.Errorf("desired_count change = %+v, want 2 -> 5", c)
			}
		case f.Type == "aws_cloudwatch_log_group":
			if f.Remediation == nil || f.Remediation.Action != "tag" || len(f.Remediation.UntagKeys) != 1 || f.Remediation.UntagKeys[0] != "Owner" {
				t.Errorf("log group remediation = %+v, want untag Owner", f.Remediation)
			}
		}
	}
	if res.Ignored < 3 { // threshold, desired_count under autoscaling, ignore_changes task_definition
		t.Errorf("ignored = %d, want at least 3", res.Ignored)
	}
	if res.Total != res.Managed+1 {
		t.Errorf("total %d managed %d: want one unmanaged resource", res.Total, res.Managed)
	}
}

func TestLedgerOwnedTaskDefinitionsAreNotDrift(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 2)
	ctx := context.Background()
	s0, s1 := st.Services[0], st.Services[1]
	ci, err := drifttest.NewRevision(ctx, c, s0.TaskDefARN, "v2")
	mustDo(t, err)
	mustDo(t, drifttest.SwapTaskDefinition(ctx, c, st.Cluster, s0.Name, ci))
	hand, err := drifttest.NewRevision(ctx, c, s1.TaskDefARN, "by-hand")
	mustDo(t, err)
	mustDo(t, drifttest.SwapTaskDefinition(ctx, c, st.Cluster, s1.Name, hand))
	// CI retired the revision Terraform registered: the ledger owns the family.
	mustDo(t, drifttest.Deregister(ctx, c, s0.TaskDefARN))

	ledger := fakeLedger{
		{Cluster: st.Cluster, Service: s0.Name}: ci,            // CI deployed what runs
		{Cluster: st.Cluster, Service: s1.Name}: s1.TaskDefARN, // last good is the original
	}
	// ignore_changes on task_definition does not hide a hand-made revision
	// when the ledger knows better.
	res := scan(t, c, st, drift.Options{Ledger: ledger, IgnoreChanges: tfstate.IgnoreChanges{
		"aws_ecs_service." + s0.Name: {"task_definition"}, "aws_ecs_service." + s1.Name: {"task_definition"}}})
	assertLines(t, summary(res), []string{"safe changed aws_ecs_service." + s1.Name + " task_definition"}, dump(res))
	// Without the ledger, the retired revision is a deleted resource.
	noLedger := scan(t, c, st, drift.Options{IgnoreChanges: tfstate.IgnoreChanges{
		"aws_ecs_service." + s0.Name: {"task_definition"}, "aws_ecs_service." + s1.Name: {"task_definition"}}})
	assertLines(t, summary(noLedger), []string{"critical missing aws_ecs_task_definition." + s0.Name + " "}, dump(noLedger))
	f := res.Findings[0]
	if f.Remediation == nil || f.Remediation.Action != "redeploy" || f.Remediation.TaskDefinition != s1.TaskDefARN || f.Remediation.Service != s1.Name {
		t.Errorf("remediation = %+v, want redeploy of %s", f.Remediation, s1.TaskDefARN)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func assertLines(t *testing.T, got, want []string, detail string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findings differ\n got:\n  %s\nwant:\n  %s\ndetail:\n%s", strings.Join(got, "\n  "), strings.Join(want, "\n  "), detail)
	}
}

func TestMoreDriftKinds(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 2)
	ctx := context.Background()
	s0, s1 := st.Services[0], st.Services[1]
	mustDo(t, drifttest.AttachPolicy(ctx, c, st.RoleName, st.Name+"-extra"))            // critical unmanaged
	mustDo(t, drifttest.ExtraRoute(ctx, c, st, st.Name+"-x", 90))                       // unmanaged TG + rule
	mustDo(t, drifttest.SetHealthCheckPath(ctx, c, s1.TGARN, "/"))                      // review
	mustDo(t, drifttest.SetDeregistrationDelay(ctx, c, s1.TGARN, "30"))                 // review
	mustDo(t, drifttest.SetAlarmDescription(ctx, c, s1.Alarm, "edited in the console")) // safe
	mustDo(t, drifttest.MakeMutable(ctx, c, st.Repo))                                   // critical
	mustDo(t, drifttest.DeleteLifecyclePolicy(ctx, c, st.Repo))                         // missing
	mustDo(t, drifttest.RevokeAppIngress(ctx, c, st))                                   // rule resource missing
	mustDo(t, drifttest.SetRoleDescription(ctx, c, st.RoleName, "changed"))             // critical
	mustDo(t, drifttest.SetMaxCapacity(ctx, c, st, 10))                                 // review
	_ = s0

	res := scan(t, c, st, drift.Options{})
	want := []string{
		"critical missing aws_ecr_lifecycle_policy.app ",
		"critical changed aws_ecr_repository.app image_tag_mutability",
		"critical changed aws_iam_role.execution description",
		"critical unmanaged aws_iam_role_policy_attachment " + st.RoleName + "/" + st.Name + "-extra ",
		"critical missing aws_vpc_security_group_ingress_rule.app_from_alb ",
		"review changed aws_appautoscaling_target." + s0.Name + " max_capacity",
		"review unmanaged aws_lb_listener_rule " + "RULE",
		"review unmanaged aws_lb_target_group " + st.Name + "-x ",
		"review changed aws_lb_target_group." + s1.Name + " deregistration_delay,health_check.path",
		"safe changed aws_cloudwatch_metric_alarm." + s1.Name + "_cpu alarm_description",
	}
	got := summary(res)
	for i, g := range got { // the unmanaged rule is named by its ARN
		if strings.HasPrefix(g, "review unmanaged aws_lb_listener_rule ") {
			got[i] = "review unmanaged aws_lb_listener_rule RULE"
		}
	}
	assertLines(t, got, want, dump(res))
	for _, f := range res.Findings {
		if f.Type == "aws_cloudwatch_metric_alarm" && (f.Remediation == nil || f.Remediation.Action != "set-description" || *f.Remediation.Description != "CPU above 80%") {
			t.Errorf("alarm remediation = %+v", f.Remediation)
		}
	}
}

func TestTaskDefinitionFilesAreComparedWithTheRunningRevision(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 1)
	s0 := st.Services[0]
	doc := map[string]any{"family": s0.Family, "containerDefinitions": []any{map[string]any{
		"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + st.Repo + ":v2", "essential": true, "memory": json.Number("512"),
		"portMappings":     []any{map[string]any{"containerPort": json.Number("8080"), "hostPort": json.Number("8080"), "protocol": "tcp"}},
		"environment":      []any{map[string]any{"name": "MODE", "value": "prod"}, map[string]any{"name": "PORT", "value": "8080"}},
		"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{"awslogs-group": s0.LogGroup, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}},
	}}}
	res := scan(t, c, st, drift.Options{Desired: []drift.DesiredTaskDefinition{{Source: "app.json", Family: s0.Family, Document: doc}}})
	assertLines(t, summary(res), []string{"review changed aws_ecs_service." + s0.Name + " task_definition(app.json).app.image"}, dump(res))
	ch := res.Findings[0].Changes[0]
	if !strings.HasSuffix(ch.Before, ":v2") || !strings.HasSuffix(ch.After, ":v1") {
		t.Errorf("change = %+v, want file :v2 vs live :v1", ch)
	}
}

func TestAFilteredScanKnowsTheWholeState(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 2)
	s, err := tfstate.Parse(st.State())
	mustDo(t, err)
	all := s.Managed()
	var clusters []tfstate.Object
	for _, o := range all {
		if o.Type == "aws_ecs_cluster" || o.Type == "aws_lb" {
			clusters = append(clusters, o)
		}
	}
	res, err := drift.New(c.Drift(), drift.Options{State: all}).Scan(context.Background(), clusters)
	mustDo(t, err)
	if len(res.Findings) != 0 || res.Checked != 2 {
		t.Fatalf("services, target groups and rules of the state are not unmanaged:\n%s", dump(res))
	}
}
