package ecsflow

import "embed"

// Policies is the built-in policy library (policies/*.rego, tests
// included), evaluated by validate when its policies input names @builtin.
//
//go:embed policies/*.rego
var Policies embed.FS
