package main

deny contains {"msg": msg, "resource": r.address} if {
	some r in input.terraform.resources
	r.type == "aws_cloudwatch_log_group"
	r.attributes.retention_in_days < data.org.min_retention
	msg := sprintf("%s keeps logs %d days; the organisation keeps them at least %d", [r.address, r.attributes.retention_in_days, data.org.min_retention])
}

warn_backend contains {"msg": "state locking by lock file", "file": b.file, "line": b.line} if {
	some b in input.terraform.backends
	b.attributes.use_lockfile == true
}
