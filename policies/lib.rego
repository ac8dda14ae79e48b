# Helpers shared by ecsflow's built-in policies, and the settings they read
# from policy-data under the key ecsflow_settings (merged over the defaults
# below).
package ecsflow.lib

# defaults are the settings a policy-data file can override.
defaults := {
	# registries: ECR registry hosts images may come from; empty means any
	# ECR registry (<account>.dkr.ecr.<region>.amazonaws.com).
	"registries": [],
	# required_tags: tag keys every taggable resource carries (compared
	# without regard to case, provider default_tags included).
	"required_tags": ["owner", "cost-centre", "environment"],
	# fargate_ceilings: the largest task size per environment (cpu units,
	# memory MiB).
	"fargate_ceilings": {
		"dev": {"cpu": 1024, "memory": 4096},
		"staging": {"cpu": 2048, "memory": 8192},
		"prod": {"cpu": 4096, "memory": 16384},
	},
	# monthly_cost_ceilings: USD a month per environment for the plan's
	# Fargate services after apply; an environment not listed is not checked.
	"monthly_cost_ceilings": {},
}

default given := {}

given := data.ecsflow_settings

settings := object.union(defaults, given)

prod if input.environment in {"prod", "production", "prd"}

# env is the environment the settings are looked up by.
env := "prod" if prod
else := input.environment

managed(type) := [r |
	some r in input.terraform.resources
	r.mode == "managed"
	r.type == type
]

# unknown holds for a value the configuration leaves to apply time.
unknown(v) if {
	is_string(v)
	contains(v, "⟨unknown⟩")
}

# blocks returns the nested blocks of a type (an empty list when absent).
blocks(r, type) := object.get(r.attributes, type, []) if is_array(object.get(r.attributes, type, []))
