# Production services deploy progressively and roll back on alarms.
package ecsflow.deployment

import data.ecsflow.lib

# BLUE_GREEN and CANARY need a load balancer (or Service Connect), so the
# strategy is required of production services behind one.
deny contains {"msg": msg, "resource": s.address} if {
	lib.prod
	some s in lib.managed("aws_ecs_service")
	count(lib.blocks(s, "load_balancer")) > 0
	not progressive(s)
	msg := sprintf("%s is a production service behind a load balancer that deploys all at once; set deployment_configuration { strategy = \"BLUE_GREEN\" } or \"CANARY\" (or a CODE_DEPLOY controller)", [s.address])
}

deny contains {"msg": msg, "resource": s.address} if {
	lib.prod
	some s in lib.managed("aws_ecs_service")
	not alarmed(s)
	msg := sprintf("%s is a production service without deployment alarms; add alarms { alarm_names = [...], enable = true, rollback = true } so ECS rolls a bad deployment back", [s.address])
}

progressive(s) if {
	some dc in lib.blocks(s, "deployment_configuration")
	dc.strategy in {"BLUE_GREEN", "CANARY"}
}

progressive(s) if {
	some dc in lib.blocks(s, "deployment_configuration")
	lib.unknown(dc.strategy)
}

progressive(s) if {
	some dc in lib.blocks(s, "deployment_controller")
	dc.type == "CODE_DEPLOY"
}

alarmed(s) if {
	some a in lib.blocks(s, "alarms")
	a.enable == true
	a.rollback == true
	names_given(a.alarm_names)
}

names_given(n) if lib.unknown(n)

names_given(n) if {
	is_array(n)
	count(n) > 0
}
