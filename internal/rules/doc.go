// Package rules is validate's rule engine and rule catalogue: every rule
// has a stable ID (EF + number), a severity, a one-line title, a
// remediation hint and documentation, and checks one concern of a
// Terraform + ECS Fargate + GitHub Actions repository without providers or
// AWS credentials.
//
// Findings can be suppressed inline with a comment on the line before (or
// at the end of) the offending line or block:
//
//	# ecsflow:ignore EF204 the image is pinned by the deploy pipeline
//
// or in the config file (see Config). Values that are only known at apply
// time never produce a finding.
package rules
