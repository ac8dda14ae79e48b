package ecsflow.fargate_test

import data.ecsflow.fargate

td(env, cpu, mem) := {"environment": env, "task_definitions": [{"file": "td/web.json", "definition": {"cpu": cpu, "memory": mem}}]}

test_within_dev_ceiling_passes if {
	count(fargate.deny) == 0 with input as td("dev", "1024", "4096")
}

test_over_dev_cpu_denied if {
	some d in fargate.deny with input as td("dev", "2048", "4096")
	d.file == "td/web.json"
	contains(d.msg, "2048 CPU units")
}

test_vcpu_and_gb_strings_read if {
	some d in fargate.deny with input as td("dev", "0.5 vCPU", "8 GB")
	contains(d.msg, "8192 MiB")
}

test_same_size_fits_prod if {
	count(fargate.deny) == 0 with input as td("prod", "2048", "8192")
}

test_terraform_task_definition_checked if {
	some d in fargate.deny with input as {"environment": "staging", "terraform": {"resources": [{"address": "aws_ecs_task_definition.big", "mode": "managed", "type": "aws_ecs_task_definition", "attributes": {"cpu": "4096", "memory": "8192"}}]}}
	d.resource == "aws_ecs_task_definition.big"
}

test_unknown_environment_not_checked if {
	count(fargate.deny) == 0 with input as td("", "16384", "65536")
}
