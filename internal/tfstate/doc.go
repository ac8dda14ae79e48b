// Package tfstate reads Terraform state (format version 4, the JSON that
// Terraform 0.12 and later and OpenTofu write) from a local file or from
// S3, finds where a Terraform root keeps its state from the root's
// `backend "s3"` block, and reads `lifecycle { ignore_changes }` from the
// root's HCL so drift detection can honour it.
//
// It reads state without the Terraform binary or any provider: drift-check
// compares the recorded attributes with the live account itself.
package tfstate
