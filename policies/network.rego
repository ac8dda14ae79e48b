# Production tasks get no public IP address.
package ecsflow.network

import data.ecsflow.lib

deny contains {"msg": msg, "resource": s.address} if {
	lib.prod
	some s in lib.managed("aws_ecs_service")
	some nc in lib.blocks(s, "network_configuration")
	nc.assign_public_ip == true
	msg := sprintf("%s gives its production tasks a public IP address; set assign_public_ip = false, run the tasks in private subnets and reach the internet through NAT or VPC endpoints", [s.address])
}
