package main

deny contains msg if {
	msg := sprintf("%s", [input.terraform.resources[0].address]
}
