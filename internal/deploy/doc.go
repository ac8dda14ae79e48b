// Package deploy is the engine behind the deploy-ecs and rollback actions.
//
// It registers a rendered task definition (reusing an identical revision),
// updates services wave by wave with the chosen ECS deployment strategy,
// waits with fast-start polling that backs off to a ceiling and batches the
// services of a wave into a few calls, answers PAUSE lifecycle hooks after
// running its gates (health-check URL, CloudWatch alarms, metric gates),
// treats a rollback made by ECS itself (circuit breaker, deployment alarms)
// as a failure, explains failures from stopped tasks, exit codes, image pull
// errors, target health and service events, and rolls back natively
// (StopServiceDeployment ROLLBACK) or to the previous revision. It never
// deregisters a task definition.
//
// The engine is silent: progress goes to Engine.Log, results come back as
// a Result with a timeline that the action renders into the job summary.
// It names no action input: what the plan names and AWS lacks is a
// *NotFoundError, a plan the services cannot take an *InputError, and the
// action (internal/deployecs, internal/rollback) maps them to its inputs.
// Every AWS call goes through the small interfaces in api.go, whose methods
// have the aws-sdk-go-v2 signatures, so the real clients, moto and the ECS
// simulator (internal/testenv/ecssim) all drive it; time comes from a Clock.
package deploy
