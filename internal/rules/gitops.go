package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ecsflow/ecsflow/internal/planjson"
	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// applyTimeBuild matches commands that build or push images or fetch code
// during terraform apply.
var applyTimeBuild = regexp.MustCompile(`(?i)\b(docker|podman|buildah|nerdctl)\s+(buildx\s+)?(build|bud|push)\b|\bkaniko\b|\bgit\s+clone\b|\bgit\s+(pull|fetch)\b|\baws\s+ecr\s+get-login|\bsed\s+-i\b`)

// taggable are common AWS types that take tags.
var taggable = map[string]bool{
	"aws_ecs_cluster": true, "aws_ecs_service": true, "aws_ecs_task_definition": true,
	"aws_lb": true, "aws_alb": true, "aws_lb_target_group": true, "aws_alb_target_group": true,
	"aws_lb_listener": true, "aws_ecr_repository": true, "aws_s3_bucket": true,
	"aws_cloudwatch_log_group": true, "aws_cloudwatch_metric_alarm": true, "aws_security_group": true,
	"aws_iam_role": true, "aws_iam_policy": true, "aws_vpc": true, "aws_subnet": true,
	"aws_nat_gateway": true, "aws_internet_gateway": true, "aws_eip": true, "aws_route_table": true,
	"aws_efs_file_system": true, "aws_kms_key": true, "aws_secretsmanager_secret": true,
	"aws_dynamodb_table": true, "aws_vpc_endpoint": true, "aws_sns_topic": true,
	"aws_service_discovery_private_dns_namespace": true, "aws_service_discovery_service": true,
	"aws_db_instance": true, "aws_rds_cluster": true,
}

func init() {
	register(
		&Rule{ID: "EF801", Category: "gitops", Severity: Error,
			Title:       "Image build, push or git clone during terraform apply",
			Remediation: "Build and push images in CI (build-push), pin upstream sources by commit in the repository, and let Terraform only reference the image.",
			Doc:         "A local-exec provisioner that builds or pushes images, clones repositories or edits files with sed makes apply depend on the machine it runs on and on whatever the upstream default branch holds that day; the result cannot be reviewed or reproduced.",
			check: func(c *Context) {
				for _, m := range c.Modules() {
					for _, b := range m.Blocks {
						if b.Type != "resource" {
							continue
						}
						for _, inst := range m.Eval.Instances(b) {
							for _, p := range b.Blocks("provisioner") {
								if len(p.Labels) != 1 || p.Labels[0] != "local-exec" {
									continue
								}
								a := p.Attr("command")
								if a == nil {
									continue
								}
								cmd, _ := inst.Tree(a.Expr).(string)
								if cmd == "" {
									cmd = exprText(b.File, a.Expr)
								}
								if mt := applyTimeBuild.FindString(cmd); mt != "" {
									c.Report(a.Range, inst.Address(), "%s runs %q in a local-exec provisioner during terraform apply", inst.Address(), strings.TrimSpace(mt))
									break
								}
							}
						}
					}
				}
			}},
		&Rule{ID: "EF802", Category: "gitops", Severity: Warning,
			Title:       "External source not pinned to a commit",
			Remediation: "Pin git module sources with ?ref=<40-character commit SHA> (a tag can be moved).",
			Doc:         "Tags and branches can be moved or force-pushed; only a commit SHA names exactly the code that was reviewed.",
			check: func(c *Context) {
				for _, m := range c.Modules() {
					for _, call := range m.BlocksOfType("module") {
						src, ok := moduleSource(m, call)
						if !ok || !(gitSource.MatchString(src) || strings.Contains(src, ".git")) {
							continue
						}
						if mt := anyRef.FindStringSubmatch(src); mt != nil && !commitRef.MatchString(src) {
							c.Report(rangeOf(call, "source"), call.Address(), "%s: git ref %q is not a commit SHA", call.Address(), mt[1])
						}
					}
				}
			}},
		&Rule{ID: "EF120", Category: "structure", Severity: Warning,
			Title:       "Resource misses required tags",
			Remediation: "Add the tags in the resource's tags or in the aws provider's default_tags.",
			Doc:         "Only active when the config lists required-tags. Tags from the aws provider's default_tags count; resources whose tags are unknown until apply are not reported.",
			check: func(c *Context) {
				req := c.Config().RequiredTags
				if len(req) == 0 {
					return
				}
				for _, m := range c.Modules() {
					defaults := map[string]bool{}
					unknownDefaults := false
					for _, p := range m.BlocksOfType("provider") {
						if p.Name() != "aws" {
							continue
						}
						if dt := p.Block("default_tags"); dt != nil {
							if a := dt.Attr("tags"); a != nil {
								tm := treeMap(m.Eval.Tree(a.Expr))
								if tm == nil {
									unknownDefaults = true
								}
								for k := range tm {
									defaults[k] = true
								}
							}
						}
					}
					if unknownDefaults {
						continue
					}
					for _, b := range m.Blocks {
						if b.Type != "resource" || len(b.Labels) != 2 || !taggable[b.Labels[0]] {
							continue
						}
						for _, inst := range m.Eval.Instances(b) {
							have := map[string]bool{}
							if a := b.Attr("tags"); a != nil {
								tm := treeMap(inst.Tree(a.Expr))
								if tm == nil {
									continue // unknown until apply
								}
								for k := range tm {
									have[k] = true
								}
							}
							var missing []string
							for _, t := range req {
								if !have[t] && !defaults[t] {
									missing = append(missing, t)
								}
							}
							if len(missing) > 0 {
								c.Report(b.DefRange, inst.Address(), "%s misses required tags: %s", inst.Address(), strings.Join(missing, ", "))
							}
						}
					}
				}
			}},
		&Rule{ID: "EF901", Category: "plan", Severity: Error,
			Title:       "Plan destroys or replaces a stateful or critical resource",
			Remediation: "Check why the resource is replaced (a forcing attribute, a renamed address: use a moved block) or add lifecycle { prevent_destroy = true }; suppress only for an intended, announced change.",
			Doc:         "Reads plan-json. Destroying a database, file system, bucket, repository, log group, cluster, service or load balancer loses data or causes an outage; a replace (delete then create) does too.",
			check: func(c *Context) {
				if c.in.Plan == nil {
					return
				}
				for _, rc := range c.in.Plan.Destructive() {
					why, _ := planjson.Critical(rc.Type)
					verb := "destroys"
					if rc.Action() == planjson.Replace {
						verb = "replaces"
					}
					rng := c.planLocation(rc.Address)
					reason := ""
					if rc.ActionReason != "" {
						reason = " (" + strings.ReplaceAll(rc.ActionReason, "_", " ") + ")"
					}
					c.Report(rng, rc.Address, "plan %s %s: %s%s", verb, rc.Address, why, reason)
				}
			}},
		&Rule{ID: "EF912", Category: "workflows", Severity: Warning,
			Title:       "Workflow action not pinned to a commit",
			Remediation: "Pin third-party actions and reusable workflows by full commit SHA (uses: owner/repo@<40-hex> # v1.2.3) and docker:// actions by digest.",
			Doc:         "A tag or branch of a third-party action can be moved to other code after review; the workflow then runs it with the repository's token and cloud credentials. Local actions (./...) are not reported.",
			check: func(c *Context) {
				for _, p := range c.in.WorkflowPins {
					c.ReportAt(p.File, p.Line, p.Column, "", "%s", p.Message)
				}
			}},
		&Rule{ID: "EF911", Category: "workflows", Severity: Error,
			Title:       "Workflow problem found by actionlint",
			Remediation: "Fix the workflow as the message says (see https://github.com/rhysd/actionlint/blob/main/docs/checks.md).",
			Doc:         "The repository's .github/workflows files are linted with actionlint (as a library, with shellcheck for run: scripts when it is installed), so a broken pipeline fails the same gate as broken infrastructure.",
			check: func(c *Context) {
				for _, p := range c.in.Workflows {
					c.ReportAt(p.File, p.Line, p.Column, "", "%s [%s]", p.Message, p.Kind)
				}
			}},
	)
}

// planLocation finds the Terraform block of a plan address (ignoring the
// instance key and the module path prefix when the module is loaded), else
// the address's line in the plan file.
func (c *Context) planLocation(addr string) hcl.Range {
	base := addr
	if i := strings.Index(base, "["); i > 0 {
		base = base[:i]
	}
	parts := strings.Split(base, ".")
	for len(parts) >= 2 && parts[0] == "module" {
		parts = parts[2:]
	}
	if len(parts) == 2 {
		key := parts[0] + "." + parts[1]
		var found []*tfparse.Block
		seen := map[*tfparse.Block]bool{}
		for _, m := range c.Modules() {
			if b, ok := m.Resources[key]; ok && !seen[b] {
				seen[b] = true
				found = append(found, b)
			}
		}
		if len(found) == 1 {
			return found[0].DefRange
		}
	}
	line := 1
	if c.in.PlanSrc != nil {
		needle := fmt.Sprintf("%q", addr)
		if i := strings.Index(string(c.in.PlanSrc), `"address":`+needle); i >= 0 {
			line = 1 + strings.Count(string(c.in.PlanSrc[:i]), "\n")
		} else if i := strings.Index(string(c.in.PlanSrc), needle); i >= 0 {
			line = 1 + strings.Count(string(c.in.PlanSrc[:i]), "\n")
		}
	}
	return hcl.Range{Filename: c.in.PlanFile, Start: hcl.Pos{Line: line, Column: 1}, End: hcl.Pos{Line: line, Column: 1}}
}
