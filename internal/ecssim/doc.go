// Package ecssim is a deterministic ECS rollout simulator: an in-memory ECS
// control plane on an injectable clock that stands in where moto cannot
// (moto never progresses deployments, never fails tasks and lacks the
// native-strategy APIs).
//
// A *Sim has methods with the exact aws-sdk-go-v2 ECS client signatures, so
// code that declares a small interface over the ECS calls it makes can be
// driven by it directly. Nothing happens in the background: every API call
// (and Sim.Advance) first runs the simulation, one Tick at a time, from the
// last simulated instant to Clock.Now, so a 30-minute rollout on a FakeClock
// takes milliseconds and the same calls always give the same results,
// including IDs and ARNs.
package ecssim
