package rules

import (
	"strings"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

var ruleUnmappedContainerPort = &Rule{
	ID: "EF205", Category: "ecs", Severity: Error,
	Title:        "Load balancer container port is not mapped",
	Remediation:  "Make load_balancer.container_name/container_port match a container and one of its portMappings.containerPort.",
	Doc:          "ECS refuses to create or update a service whose load balancer points at a container or port the task definition does not expose.",
	judgesValues: true,
	check:        checkUnmappedContainerPort,
}

func checkUnmappedContainerPort(c *Context) {
	c.EachResource("aws_ecs_service", func(m *tfparse.Module, svc *tfparse.Instance) {
		td := serviceTaskDef(c, svc)
		if td == nil || !td.containers.known || td.containers.invalid != "" {
			return
		}
		for _, lb := range svc.NestedBlocks(svc.Block, "load_balancer") {
			name, okN := knownString(svc, lb, "container_name")
			port, okP := evalAttr(svc, lb, "container_port")
			if !okN || !okP || !port.IsWhollyKnown() || port.IsNull() {
				continue
			}
			want, ok := treeNumber(valueTree(port))
			if !ok {
				continue
			}
			var ctr map[string]any
			complete := true
			for _, ct := range td.containers.containers {
				n, ok := treeString(ct, "name")
				if !ok {
					complete = false
					continue
				}
				if n == name {
					ctr = ct
				}
			}
			if ctr == nil {
				if complete {
					c.Report(rangeOf(lb, "container_name"), svc.Address(), "%s: load_balancer.container_name %q is not a container of %s", svc.Address(), name, td.address)
				}
				continue
			}
			mapped, unknownPorts := false, false
			for _, pm := range treeList(ctr["portMappings"]) {
				p, ok := treeNumber(treeMap(pm)["containerPort"])
				if !ok {
					unknownPorts = true
					continue
				}
				if p == want {
					mapped = true
				}
			}
			if !mapped && !unknownPorts && !isUnknown(ctr["portMappings"]) {
				c.Report(rangeOf(lb, "container_port"), svc.Address(), "%s: container %s does not map port %g (portMappings.containerPort) in %s", svc.Address(), name, want, td.address)
			}
		}
	})
}

var ruleCircuitBreaker = &Rule{
	ID: "EF212", Category: "ecs", Severity: Warning,
	Title:       "Service has no deployment circuit breaker with rollback",
	Remediation: "Add deployment_circuit_breaker { enable = true, rollback = true }.",
	Doc:         "Without the circuit breaker a deployment of a task that never gets healthy retries forever; with rollback ECS returns to the last completed deployment by itself.",
	check:       checkCircuitBreaker,
}

func checkCircuitBreaker(c *Context) {
	c.EachResource("aws_ecs_service", func(m *tfparse.Module, svc *tfparse.Instance) {
		if dc := svc.NestedBlock(svc.Block, "deployment_controller"); dc != nil {
			if t, ok := knownString(svc, dc, "type"); ok && t != "ECS" {
				return // CodeDeploy / external controllers have their own rollback
			} else if !ok && dc.Attr("type") != nil {
				return
			}
		}
		cb := svc.NestedBlock(svc.Block, "deployment_circuit_breaker")
		if cb == nil {
			c.Report(svc.Block.DefRange, svc.Address(), "%s has no deployment_circuit_breaker", svc.Address())
			return
		}
		if boolAttr(svc, cb, "enable") == isFalse || boolAttr(svc, cb, "rollback") == isFalse {
			c.Report(cb.DefRange, svc.Address(), "%s: deployment_circuit_breaker must set enable = true and rollback = true", svc.Address())
		}
	})
}

var ruleDeploymentAlarms = &Rule{
	ID: "EF213", Category: "ecs", Severity: Note,
	Title:       "Service has no deployment alarms",
	Remediation: "Add alarms { alarm_names = [...], enable = true, rollback = true } with the service's error/latency alarms.",
	Doc:         "Deployment alarms let ECS roll back a deployment that is healthy by its health checks but breaks the service (error rate, latency).",
	check:       checkDeploymentAlarms,
}

func checkDeploymentAlarms(c *Context) {
	c.EachResource("aws_ecs_service", func(m *tfparse.Module, svc *tfparse.Instance) {
		al := svc.NestedBlock(svc.Block, "alarms")
		if al == nil {
			c.Report(svc.Block.DefRange, svc.Address(), "%s has no deployment alarms", svc.Address())
			return
		}
		if boolAttr(svc, al, "enable") == isFalse {
			c.Report(al.DefRange, svc.Address(), "%s: deployment alarms are disabled", svc.Address())
		}
	})
}

var ruleTaskDefinitionOwner = &Rule{
	ID: "EF214", Category: "ecs", Severity: Warning,
	Title:       "Service fights CI over the task definition",
	Remediation: "Add lifecycle { ignore_changes = [task_definition] } so terraform apply does not roll back what CI deployed (or set ci-deploys: false in the config).",
	Doc:         "When CI registers and deploys task definition revisions, Terraform sees the newer revision as drift and the next apply silently redeploys the old one. Ignoring task_definition makes the ownership explicit.",
	check:       checkTaskDefinitionOwner,
}

func checkTaskDefinitionOwner(c *Context) {
	if !c.Config().CIDeploys {
		return
	}
	c.EachResource("aws_ecs_service", func(m *tfparse.Module, svc *tfparse.Instance) {
		if svc.Block.Attr("task_definition") != nil && !ignores(svc.Block, "task_definition") {
			c.Report(rangeOf(svc.Block, "task_definition"), svc.Address(), "%s: task_definition is managed by Terraform while CI deploys revisions; add it to lifecycle.ignore_changes", svc.Address())
		}
	})
}

var ruleAutoscaledDesiredCount = &Rule{
	ID: "EF215", Category: "ecs", Severity: Warning,
	Title:        "Autoscaled service does not ignore desired_count",
	Remediation:  "Add desired_count to lifecycle.ignore_changes of the service.",
	Doc:          "Application Auto Scaling changes desired_count; every terraform apply resets it to the configured number, scaling the service down in the middle of a peak.",
	judgesValues: true,
	check:        checkAutoscaledDesiredCount,
}

func checkAutoscaledDesiredCount(c *Context) {
	for _, m := range c.Modules() {
		for _, svc := range m.ResourcesOfType("aws_ecs_service") {
			if svc.Attr("desired_count") != nil && autoscaled(m, svc) && !ignores(svc, "desired_count") {
				c.Report(rangeOf(svc, "desired_count"), svc.Address(), "%s is autoscaled but desired_count is not in lifecycle.ignore_changes", svc.Address())
			}
		}
	}
}

var ruleForceNewDeployment = &Rule{
	ID: "EF216", Category: "ecs", Severity: Warning,
	Title:        "force_new_deployment = true in Terraform",
	Remediation:  "Remove force_new_deployment; deploy through CI (deploy-ecs) or use triggers for the rare forced redeploy.",
	Doc:          "With force_new_deployment = true every apply that touches the service restarts all its tasks, outside the deployment pipeline.",
	judgesValues: true,
	check:        checkForceNewDeployment,
}

func checkForceNewDeployment(c *Context) {
	c.EachResource("aws_ecs_service", func(m *tfparse.Module, svc *tfparse.Instance) {
		if boolAttr(svc, svc.Block, "force_new_deployment") == isTrue {
			c.Report(rangeOf(svc.Block, "force_new_deployment"), svc.Address(), "%s sets force_new_deployment = true", svc.Address())
		}
	})
}

var ruleExecInProduction = &Rule{
	ID: "EF217", Category: "ecs", Severity: Warning,
	Title:        "ECS Exec enabled in production",
	Remediation:  "Set enable_execute_command = false for production (enable it per environment through a variable).",
	Doc:          "ECS Exec opens an interactive shell into production containers; keep it for dev and staging. Production is recognised from a var file named prod*/production or a root variable environment = \"prod\" (or production: true in the config).",
	judgesValues: true,
	check:        checkExecInProduction,
}

func checkExecInProduction(c *Context) {
	if !c.Production() {
		return
	}
	c.EachResource("aws_ecs_service", func(m *tfparse.Module, svc *tfparse.Instance) {
		if boolAttr(svc, svc.Block, "enable_execute_command") == isTrue {
			c.Report(rangeOf(svc.Block, "enable_execute_command"), svc.Address(), "%s enables ECS Exec in production", svc.Address())
		}
	})
}

// serviceTaskDef finds the task definition instance a service instance
// runs: same for_each key, or the only instance.
func serviceTaskDef(c *Context, svc *tfparse.Instance) *taskDef {
	a := svc.Block.Attr("task_definition")
	if a == nil {
		return nil
	}
	names := resourceRefs(a.Expr, "aws_ecs_task_definition")
	if len(names) == 0 {
		return nil
	}
	var cands []*taskDef
	for _, td := range c.in.taskDefs() {
		if td.block != nil && td.block.Name() == names[0] && td.block.File != nil && samePrefix(td.block, svc.Block) {
			cands = append(cands, td)
		}
	}
	if len(cands) == 1 {
		return cands[0]
	}
	for _, td := range cands {
		if svc.Key != "" && strings.HasSuffix(td.address, svc.Key) {
			return td
		}
	}
	return nil
}

// samePrefix reports whether two blocks are in the same module directory.
func samePrefix(a, b *tfparse.Block) bool {
	return dirOf(a.File.Path) == dirOf(b.File.Path)
}

func dirOf(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[:i]
	}
	return "."
}

// autoscaled reports whether an aws_appautoscaling_target in m scales the
// service block.
func autoscaled(m *tfparse.Module, svc *tfparse.Block) bool {
	for _, t := range m.ResourcesOfType("aws_appautoscaling_target") {
		if autoscaledBy(m, svc, t) {
			return true
		}
	}
	return false
}

// autoscaledBy reports whether the aws_appautoscaling_target block t
// scales the service block: its resource_id refers to the service or ends
// in the service's name.
func autoscaledBy(m *tfparse.Module, svc, t *tfparse.Block) bool {
	a := t.Attr("resource_id")
	if a == nil {
		return false
	}
	if contains(resourceRefs(a.Expr, "aws_ecs_service"), svc.Name()) {
		return true
	}
	if s, ok := m.Eval.String(a.Expr); ok {
		if n, ok := knownString(m.Eval.Instances(svc)[0], svc, "name"); ok && strings.HasSuffix(s, "/"+n) {
			return true
		}
	}
	return false
}
