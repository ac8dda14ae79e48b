package main

svc(env, exec) := {"environment": env, "terraform": {"resources": [{"address": "aws_ecs_service.web", "type": "aws_ecs_service", "attributes": {"enable_execute_command": exec}}]}}

logs(env, days) := {"environment": env, "terraform": {"resources": [{"address": "aws_cloudwatch_log_group.web", "type": "aws_cloudwatch_log_group", "attributes": {"retention_in_days": days}}]}}

limits := {"min_log_retention_days": {"dev": 7, "prod": 365}}

test_exec_in_prod_denied if {
	some d in deny with input as svc("prod", true)
	d.resource == "aws_ecs_service.web"
}

test_exec_in_dev_allowed if {
	count(deny) == 0 with input as svc("dev", true)
}

test_short_retention_denied if {
	some d in deny with input as logs("prod", 30) with data.org as limits
	contains(d.msg, "at least 365")
}

test_long_retention_passes if {
	count(deny) == 0 with input as logs("dev", 30) with data.org as limits
}

test_x86_warned if {
	some w in warn_architecture with input as {"terraform": {"resources": [{"address": "aws_ecs_task_definition.t", "type": "aws_ecs_task_definition", "attributes": {"runtime_platform": [{"cpu_architecture": "X86_64"}]}}]}}
	contains(w.msg, "X86_64")
}
