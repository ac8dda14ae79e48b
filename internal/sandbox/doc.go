// Package sandbox runs a local stand-in for AWS on loopback, for tests, the
// demo and developers: moto's server for the AWS APIs, a real OCI registry
// for image layers, and a front proxy that hands ECS calls to the ECS
// rollout simulator (moto stores ECS deployments but never progresses them)
// and everything else to moto.
//
// Start picks free ports, waits until every part answers and returns a
// Sandbox. Point the AWS SDK (or an action binary) at it with Env, or use
// AWSConfig directly; Seed creates the example Open WebUI stack in it. The
// child processes run in their own process group and, on Linux, die with
// their parent, so a crashed test never leaves moto running.
//
//	sb, err := sandbox.Start(ctx, sandbox.Options{})
//	if err != nil { ... }
//	defer sb.Stop()
//	stack, err := sb.Seed(ctx, sandbox.SeedOptions{})
//	cmd.Env = append(os.Environ(), sb.Env()...)
//
// Tests use package sandboxtest, which shares one sandbox per test binary.
package sandbox
