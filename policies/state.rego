# Terraform state is encrypted at rest and locked while it is written.
package ecsflow.state

deny contains {"msg": msg, "file": b.file, "line": b.line} if {
	some b in input.terraform.backends
	b.type == "s3"
	not set(b, "encrypt", true)
	msg := sprintf("the s3 backend of %s does not encrypt the state; set encrypt = true in the backend block or in every *.tfbackend file", [b.module])
}

deny contains {"msg": msg, "file": b.file, "line": b.line} if {
	some b in input.terraform.backends
	b.type == "s3"
	not locked(b)
	msg := sprintf("the s3 backend of %s does not lock the state; set use_lockfile = true (or dynamodb_table) so two runs cannot write it at once", [b.module])
}

deny contains {"msg": msg, "file": b.file, "line": b.line} if {
	some b in input.terraform.backends
	b.type == "local"
	msg := sprintf("%s keeps its state in a local file, unencrypted and unlocked; use a remote backend such as s3 with encrypt and use_lockfile", [b.module])
}

# set holds when the backend block has k = v, or every partial
# configuration file does.
set(b, k, v) if b.attributes[k] == v

set(b, k, v) if {
	count(b.files) > 0
	every f in b.files {
		f.attributes[k] == v
	}
}

locked(b) if set(b, "use_lockfile", true)

locked(b) if lock_table(b.attributes)

locked(b) if {
	count(b.files) > 0
	every f in b.files {
		lock_table(f.attributes)
	}
}

lock_table(attrs) if {
	is_string(attrs.dynamodb_table)
	attrs.dynamodb_table != ""
}
