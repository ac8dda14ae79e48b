package ecsflow.deployment_test

import data.ecsflow.deployment

svc(attrs) := {"terraform": {"resources": [{"address": "aws_ecs_service.web", "mode": "managed", "type": "aws_ecs_service", "attributes": attrs}]}}

alarms := [{"alarm_names": ["web-5xx"], "enable": true, "rollback": true}]

lb := [{"container_name": "web", "container_port": 8080}]

test_prod_blue_green_with_alarms_passes if {
	count(deployment.deny) == 0 with input as object.union(svc({"load_balancer": lb, "alarms": alarms, "deployment_configuration": [{"strategy": "BLUE_GREEN"}]}), {"environment": "prod"})
}

test_prod_rolling_behind_lb_denied if {
	some d in deployment.deny with input as object.union(svc({"load_balancer": lb, "alarms": alarms, "deployment_configuration": [{"strategy": "ROLLING"}]}), {"environment": "prod"})
	contains(d.msg, "deploys all at once")
	d.resource == "aws_ecs_service.web"
}

test_prod_without_lb_needs_only_alarms if {
	count(deployment.deny) == 0 with input as object.union(svc({"alarms": alarms}), {"environment": "prod"})
}

test_prod_without_alarms_denied if {
	some d in deployment.deny with input as object.union(svc({"alarms": [{"alarm_names": ["x"], "enable": true, "rollback": false}]}), {"environment": "prod"})
	contains(d.msg, "without deployment alarms")
}

test_code_deploy_controller_is_progressive if {
	count(deployment.deny) == 0 with input as object.union(svc({"load_balancer": lb, "alarms": alarms, "deployment_controller": [{"type": "CODE_DEPLOY"}]}), {"environment": "prod"})
}

test_dev_is_not_checked if {
	count(deployment.deny) == 0 with input as object.union(svc({"load_balancer": lb}), {"environment": "dev"})
}
