package ecsflow.tags_test

import data.ecsflow.tags

res(t) := [{"address": "aws_ecs_cluster.main", "mode": "managed", "type": "aws_ecs_cluster", "attributes": {"tags": t}}]

test_all_tags_pass if {
	count(tags.deny) == 0 with input as {"terraform": {"resources": res({"Owner": "a", "Cost-Centre": "b", "environment": "dev"}), "providers": []}}
}

test_missing_tags_named if {
	some d in tags.deny with input as {"terraform": {"resources": res({"owner": "a"}), "providers": []}}
	contains(d.msg, "cost-centre, environment")
	d.resource == "aws_ecs_cluster.main"
}

test_provider_default_tags_count if {
	count(tags.deny) == 0 with input as {"terraform": {
		"resources": res({"owner": "a"}),
		"providers": [{"name": "aws", "attributes": {"default_tags": [{"tags": {"Environment": "dev", "cost-centre": "42"}}]}}],
	}}
}

test_untaggable_types_ignored if {
	count(tags.deny) == 0 with input as {"terraform": {"resources": [{"address": "aws_iam_role_policy.x", "mode": "managed", "type": "aws_iam_role_policy", "attributes": {}}], "providers": []}}
}

test_required_tags_from_data if {
	count(tags.deny) == 0 with input as {"terraform": {"resources": res({"team": "a"}), "providers": []}}
		with data.ecsflow_settings.required_tags as ["team"]
}
