package ecsflow.network_test

import data.ecsflow.network

svc(env, public) := {"environment": env, "terraform": {"resources": [{"address": "aws_ecs_service.web", "mode": "managed", "type": "aws_ecs_service", "attributes": {"network_configuration": [{"assign_public_ip": public}]}}]}}

test_public_ip_in_prod_denied if {
	some d in network.deny with input as svc("prod", true)
	d.resource == "aws_ecs_service.web"
}

test_private_in_prod_passes if {
	count(network.deny) == 0 with input as svc("prod", false)
}

test_public_ip_in_dev_allowed if {
	count(network.deny) == 0 with input as svc("dev", true)
}
