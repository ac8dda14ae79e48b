package ecsflow.state_test

import data.ecsflow.state

backend(type, attrs, files) := {"terraform": {"backends": [{"type": type, "module": "infra", "file": "infra/versions.tf", "line": 7, "attributes": attrs, "files": files}]}}

test_encrypted_and_locked_passes if {
	count(state.deny) == 0 with input as backend("s3", {"encrypt": true, "use_lockfile": true}, [])
}

test_dynamodb_lock_passes if {
	count(state.deny) == 0 with input as backend("s3", {"encrypt": true, "dynamodb_table": "locks"}, [])
}

test_settings_in_every_tfbackend_file_pass if {
	files := [{"file": "b/dev.s3.tfbackend", "attributes": {"encrypt": true, "use_lockfile": true}}, {"file": "b/prod.s3.tfbackend", "attributes": {"encrypt": true, "use_lockfile": true}}]
	count(state.deny) == 0 with input as backend("s3", {}, files)
}

test_one_file_without_encryption_denied if {
	files := [{"file": "b/dev.s3.tfbackend", "attributes": {"encrypt": true, "use_lockfile": true}}, {"file": "b/prod.s3.tfbackend", "attributes": {"use_lockfile": true}}]
	some d in state.deny with input as backend("s3", {}, files)
	contains(d.msg, "does not encrypt")
	d.line == 7
}

test_unlocked_denied if {
	some d in state.deny with input as backend("s3", {"encrypt": true}, [])
	contains(d.msg, "does not lock")
}

test_local_backend_denied if {
	some d in state.deny with input as backend("local", {}, [])
	contains(d.msg, "local file")
}
