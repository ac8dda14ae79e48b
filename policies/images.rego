# Images come from the organisation's ECR registries, and by digest in
# production.
package ecsflow.images

import data.ecsflow.lib

# images are the container images of task-definition files and of
# aws_ecs_task_definition resources, with where each is set.
images contains {"image": c.image, "where": {"file": td.file}} if {
	some td in input.task_definitions
	some c in object.get(td.definition, "containerDefinitions", [])
	is_string(c.image)
}

images contains {"image": c.image, "where": {"resource": r.address}} if {
	some r in lib.managed("aws_ecs_task_definition")
	some c in containers(r.attributes.container_definitions)
	is_string(c.image)
}

containers(x) := x if is_array(x)

containers(x) := json.unmarshal(x) if {
	is_string(x)
	json.is_valid(x)
}

allowed(img) if {
	some reg in lib.settings.registries
	startswith(img, concat("", [reg, "/"]))
}

allowed(img) if {
	count(lib.settings.registries) == 0
	regex.match(`^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/`, img)
}

deny contains object.union({"msg": msg}, i.where) if {
	some i in images
	not lib.unknown(i.image)
	not allowed(i.image)
	msg := sprintf("image %s does not come from the organisation's ECR registries (%s); push it with build-push and refer to the ECR copy", [i.image, registries])
}

deny contains object.union({"msg": msg}, i.where) if {
	lib.prod
	some i in images
	not lib.unknown(i.image)
	not contains(i.image, "@sha256:")
	msg := sprintf("image %s is referred to by tag in production; pin it by digest (repository@sha256:...) so what runs is what was tested", [i.image])
}

registries := concat(", ", lib.settings.registries) if count(lib.settings.registries) > 0
else := "any <account>.dkr.ecr.<region>.amazonaws.com"
