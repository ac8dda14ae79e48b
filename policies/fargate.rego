# Fargate task sizes stay under the environment's ceiling.
package ecsflow.fargate

import data.ecsflow.lib

# sizes are the task sizes of task-definition files and of
# aws_ecs_task_definition resources, with where each is set.
sizes contains {"cpu": td.definition.cpu, "memory": td.definition.memory, "name": td.file, "where": {"file": td.file}} if {
	some td in input.task_definitions
	td.definition.cpu
}

sizes contains {"cpu": r.attributes.cpu, "memory": object.get(r.attributes, "memory", 0), "name": r.address, "where": {"resource": r.address}} if {
	some r in lib.managed("aws_ecs_task_definition")
	r.attributes.cpu
}

deny contains object.union({"msg": msg}, s.where) if {
	ceiling := lib.settings.fargate_ceilings[lib.env]
	some s in sizes
	cpu := cpu_units(s.cpu)
	mem := memory_mib(s.memory)
	over(cpu, mem, ceiling)
	msg := sprintf("%s asks for %v CPU units and %v MiB, over the %s ceiling of %v CPU units and %v MiB; size the task down or raise fargate_ceilings.%s in policy-data", [s.name, cpu, mem, lib.env, ceiling.cpu, ceiling.memory, lib.env])
}

over(cpu, _, ceiling) if cpu > ceiling.cpu

over(_, mem, ceiling) if mem > ceiling.memory

# cpu_units reads "512", 512 or "0.5 vCPU".
cpu_units(x) := x if is_number(x)

cpu_units(x) := to_number(x) if {
	is_string(x)
	regex.match(`^[0-9]+$`, x)
}

cpu_units(x) := to_number(regex.replace(x, `(?i)\s*vcpu$`, "")) * 1024 if {
	is_string(x)
	regex.match(`(?i)^[0-9.]+\s*vcpu$`, x)
}

# memory_mib reads "1024", 1024 or "2 GB".
memory_mib(x) := x if is_number(x)

memory_mib(x) := to_number(x) if {
	is_string(x)
	regex.match(`^[0-9]+$`, x)
}

memory_mib(x) := to_number(regex.replace(x, `(?i)\s*gb$`, "")) * 1024 if {
	is_string(x)
	regex.match(`(?i)^[0-9.]+\s*gb$`, x)
}
