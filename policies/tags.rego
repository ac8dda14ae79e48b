# Taggable resources carry the required tags (owner, cost-centre,
# environment by default), directly or through the aws provider's
# default_tags.
package ecsflow.tags

import data.ecsflow.lib

taggable := {
	"aws_ecs_cluster", "aws_ecs_service", "aws_ecs_task_definition",
	"aws_lb", "aws_lb_target_group", "aws_ecr_repository",
	"aws_cloudwatch_log_group", "aws_efs_file_system", "aws_s3_bucket",
	"aws_dynamodb_table", "aws_secretsmanager_secret", "aws_vpc",
}

# default_keys are the tag keys every aws provider sets by default_tags.
default_keys contains lower(k) if {
	some p in input.terraform.providers
	p.name == "aws"
	some dt in object.get(p.attributes, "default_tags", [])
	some k, _ in dt.tags
}

deny contains {"msg": msg, "resource": r.address} if {
	some r in input.terraform.resources
	r.mode == "managed"
	r.type in taggable
	tags := object.get(r.attributes, "tags", {})
	is_object(tags)
	keys := default_keys | {lower(k) | some k, _ in tags}
	missing := {t | some t in lib.settings.required_tags; not lower(t) in keys}
	count(missing) > 0
	msg := sprintf("%s lacks the required tag(s) %s; set them in tags or in the aws provider's default_tags", [r.address, concat(", ", sort(missing))])
}
