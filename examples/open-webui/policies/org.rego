# The example organisation's own policies, evaluated by validate beside
# ecsflow's built-in library (see ../.github/workflows/pull-request.yml and
# docs/policies.md). Package main: conftest's default namespace.
package main

import data.org

# Production tasks are not opened to a shell.
deny contains {"msg": msg, "resource": s.address} if {
	input.environment == "prod"
	some s in input.terraform.resources
	s.type == "aws_ecs_service"
	s.attributes.enable_execute_command == true
	msg := sprintf("%s allows ECS Exec in production; set enable_execute_command = false (debug in staging)", [s.address])
}

# Logs are kept as long as the organisation's retention requires.
deny contains {"msg": msg, "resource": g.address} if {
	some g in input.terraform.resources
	g.type == "aws_cloudwatch_log_group"
	days := g.attributes.retention_in_days
	is_number(days)
	days < org.min_log_retention_days[input.environment]
	msg := sprintf("%s keeps logs %d days; %s keeps them at least %d", [g.address, days, input.environment, org.min_log_retention_days[input.environment]])
}

# Tasks run on Graviton (ARM64), which costs about a fifth less.
warn_architecture contains {"msg": msg, "resource": t.address} if {
	some t in input.terraform.resources
	t.type == "aws_ecs_task_definition"
	some rp in t.attributes.runtime_platform
	rp.cpu_architecture != "ARM64"
	msg := sprintf("%s runs on %v; the organisation runs Fargate on ARM64 unless an image is x86-only", [t.address, rp.cpu_architecture])
}
