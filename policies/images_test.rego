package ecsflow.images_test

import data.ecsflow.images

ecr := "123456789012.dkr.ecr.us-east-1.amazonaws.com"

td(env, image) := {"environment": env, "task_definitions": [{"file": "td/web.json", "definition": {"containerDefinitions": [{"name": "web", "image": image}]}}]}

tf(env, image) := {"environment": env, "terraform": {"resources": [{"address": "aws_ecs_task_definition.web", "mode": "managed", "type": "aws_ecs_task_definition", "attributes": {"container_definitions": json.marshal([{"name": "web", "image": image}])}}]}}

test_ecr_tag_in_dev_passes if {
	count(images.deny) == 0 with input as td("dev", concat("", [ecr, "/web:1.2.3"]))
}

test_docker_hub_denied_with_file if {
	some d in images.deny with input as td("dev", "nginx:latest")
	d.file == "td/web.json"
	contains(d.msg, "does not come from")
}

test_tag_in_prod_denied_for_terraform if {
	some d in images.deny with input as tf("prod", concat("", [ecr, "/web:1.2.3"]))
	d.resource == "aws_ecs_task_definition.web"
	contains(d.msg, "by digest")
}

test_digest_in_prod_passes if {
	count(images.deny) == 0 with input as tf("prod", concat("", [ecr, "/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]))
}

test_registry_list_from_data if {
	some d in images.deny with input as td("dev", concat("", [ecr, "/web:1"]))
		with data.ecsflow_settings.registries as ["999999999999.dkr.ecr.eu-west-1.amazonaws.com"]
	contains(d.msg, "999999999999")
}

test_unknown_image_is_not_judged if {
	count(images.deny) == 0 with input as tf("prod", "⟨unknown⟩")
}
