package main

deny contains msg if {
	msg := sprintf("%s", [input.environment]
}
