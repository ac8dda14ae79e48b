// Package cost is the engine of the cost optimisation report: given the
// ECS services that run (task size, count, capacity providers, CPU
// architecture, images' platforms, environment) and their utilisation over
// a lookback window, it recommends changes that cut the monthly Fargate
// bill, each with its saving, its risk and the Terraform change to make.
//
// The engine reads no AWS API and no input: callers build []Service (from
// ECS, CloudWatch and the Terraform configuration) and Options, and
// render the Report as markdown or JSON. Sizes come from the one Fargate
// size table and prices from the one price table validate's cost delta
// uses (internal/planjson).
//
// Recommendations are applied in a fixed order (rightsizing, task count,
// ARM64, Fargate Spot, scheduled scale-to-zero); each one's saving is what
// it saves after the ones before it, so a service's savings add up to the
// difference between its cost today and its cost with all of them.
package cost
