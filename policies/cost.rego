# The plan's Fargate services stay under the environment's monthly cost
# ceiling (the cost delta validate computes from the plan).
package ecsflow.cost

import data.ecsflow.lib

deny contains {"msg": msg, "file": input.plan_file} if {
	ceiling := lib.settings.monthly_cost_ceilings[lib.env]
	after := input.cost.after_usd
	after > ceiling
	msg := sprintf("after this plan the Fargate services of %s cost about $%v a month (%v by this change, %s prices), over the ceiling of $%v; size tasks or counts down, or raise monthly_cost_ceilings.%s in policy-data", [lib.env, dollars(after), signed(input.cost.delta_usd), input.cost.region, ceiling, lib.env])
}

dollars(x) := round(x * 100) / 100

signed(x) := sprintf("+$%v", [dollars(x)]) if x >= 0
else := sprintf("-$%v", [dollars(0 - x)])
