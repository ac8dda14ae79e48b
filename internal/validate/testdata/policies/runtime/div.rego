package main

deny contains msg if {
	some r in input.terraform.resources
	n := to_number(r.name)
	msg := sprintf("%v", [n])
}
