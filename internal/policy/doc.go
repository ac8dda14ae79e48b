// Package policy evaluates organisation policies written in Rego against
// what validate reads: the Terraform configuration, the plan, task
// definitions and workflows (see Input). Policies follow conftest's
// conventions: rules named deny, violation or warn (or with a suffix such
// as deny_public_ip) in the packages given as namespaces, default main.
// Evaluation uses OPA's Go library; a policy that does not compile, or
// fails at run time, is an error that names its file and line.
package policy
