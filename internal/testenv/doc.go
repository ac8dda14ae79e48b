// Package testenv is the root of the test machinery: nothing under it is
// shipped in an action binary (actions/depcheck_test.go fails if one links
// it). Its packages:
//
//   - ecssim: the ECS rollout simulator, a model of ECS's documented
//     contract (docs/ecs-contract.md) on an injectable clock.
//   - sandbox: moto, a local OCI registry and the simulator behind one
//     endpoint, seeded with the example stack (make demo, make sandbox);
//     sandbox/sandboxtest starts one per test binary.
//   - ghstub: a local stand-in for the GitHub issues REST API.
//   - drifttest: builds a stack on the sandbox and changes it behind
//     Terraform's back, for drift-check's tests.
//   - benchtree: generates large Terraform trees for validate's benchmarks.
//   - ghatest: reads GITHUB_OUTPUT / GITHUB_ENV files as the runner does.
//   - simclock: adapts a simulator's clock to the engines' sleeping clocks.
//   - simaccount: a simulated account (the simulator with a cluster,
//     services behind an ALB, alarms and health checks) shared by the
//     deploy engine's tests and deploy-ecs's.
//   - e2e: runs the actions and reusable workflows under act against the
//     sandbox.
package testenv
