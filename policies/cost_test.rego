package ecsflow.cost_test

import data.ecsflow.cost

plan(env, after, delta) := {"environment": env, "plan_file": "plan.json", "cost": {"after_usd": after, "delta_usd": delta, "region": "us-east-1"}}

test_over_ceiling_denied if {
	some d in cost.deny with input as plan("prod", 2500.456, 300) with data.ecsflow_settings.monthly_cost_ceilings as {"prod": 2000}
	d.file == "plan.json"
	contains(d.msg, "$2500.46 a month (+$300 by this change")
}

test_under_ceiling_passes if {
	count(cost.deny) == 0 with input as plan("prod", 1500, 300) with data.ecsflow_settings.monthly_cost_ceilings as {"prod": 2000}
}

test_no_ceiling_no_check if {
	count(cost.deny) == 0 with input as plan("dev", 99999, 1)
}

test_no_plan_no_check if {
	count(cost.deny) == 0 with input as {"environment": "prod"} with data.ecsflow_settings.monthly_cost_ceilings as {"prod": 1}
}
