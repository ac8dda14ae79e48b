// Package tfparse loads Terraform configurations without providers: it
// parses every .tf and .tf.json file with hashicorp/hcl/v2, groups them into
// modules (following local module sources), and resolves values the way a
// linter can: variable defaults, var-files and locals, with every value that
// depends on something only known at apply time (resource attributes, unset
// variables, data sources) left unknown.
//
// A file that fails to parse is kept with its diagnostics; the rest of the
// module is still loaded.
package tfparse
