// Package sandbox runs a local stand-in for AWS on loopback, for tests, the
// demo and developers: moto's server for the AWS APIs, a real OCI registry
// for image layers, and a front proxy that hands ECS calls to the ECS
// rollout simulator (moto stores ECS deployments but never progresses them)
// and everything else to moto.
//
//	sb, err := sandbox.Start(ctx, sandbox.Options{})
//	if err != nil { ... }             // sandbox.ErrMotoMissing: pip install 'moto[server]'
//	defer sb.Stop()
//	stack, err := sb.Seed(ctx, sandbox.SeedOptions{TaskDefinitionsDir: "examples/open-webui/task-definitions"})
//	cmd.Env = append(os.Environ(), sb.Env()...) // an action binary talks to the sandbox
//	cfg := sb.AWSConfig(ctx)                     // or the SDK directly
//
// # Parts
//
//   - moto_server on a free port (Sandbox.MotoURL); Reset empties it.
//   - The registry (Sandbox.RegistryHost, plain HTTP): the Debian
//     docker-registry binary with a generated config and a filesystem root
//     under Dir, or go-containerregistry's in-process registry when the
//     binary is absent (Sandbox.RegistryKind says which).
//   - The front proxy (Sandbox.Endpoint, the AWS_ENDPOINT_URL): requests
//     whose X-Amz-Target starts with AmazonEC2ContainerServiceV20141113. go
//     to the ECS route, the rest to moto. The default ECS route is one
//     package ecssim simulator per region (the region comes from the SigV4
//     scope), advancing DefaultECSSpeed times faster than real time, with
//     deployment alarms read from moto's CloudWatch (SetAlarmState there
//     fails a deployment). Sandbox.ECS(region) returns it for fault
//     injection; Options.ECS replaces the route, Options.NoECSSimulator
//     sends ECS to moto. ECS writes the simulator accepts are replayed to
//     moto, so moto's other services (Application Auto Scaling) know the
//     clusters and services.
//   - CloudWatch calls (SigV4 signing name monitoring, query protocol) go
//     to a package cwsim stand-in per region that the region's simulator
//     publishes its per-minute ALB and Container Insights metrics into
//     (ecssim.WithMetrics; the LoadBalancer dimension is read from moto's
//     ELBv2). It answers PutAnomalyDetector,
//     DescribeAnomalyDetectors and GetMetricData with an
//     ANOMALY_DETECTION_BAND expression or over the simulator's series
//     only; everything else, alarms and PutMetricData included, goes on
//     to moto, so series written with PutMetricData (usagegen's, for the
//     cost report) are read from moto. Sandbox.CloudWatch(region) returns
//     the stand-in. The simulator's metrics carry the simulator's clock,
//     which runs ECSSpeed times faster than the wall clock.
//   - GetPredictiveScalingForecast, which moto does not implement, is
//     answered by the forecast stand-in (package forecastsim); tests set a
//     policy's capacity forecast through Sandbox.Forecasts.
//   - Sandbox.Calls counts the AWS operations the proxy served, by service
//     and operation, for benchmarks of API calls per resource.
//
// # Processes
//
// Children run in their own process group; Stop sends SIGTERM to the
// groups, then SIGKILL. On Linux they also get a parent-death signal, so a
// test binary that crashes or is killed by a timeout never leaves moto or
// the registry running.
//
// # The example stack
//
// Seed creates what examples/open-webui/terraform describes, with its
// names (project "ecsflow", environment "dev": cluster ecsflow-dev, ECR
// repositories ecsflow/<service>, log groups /ecs/ecsflow-dev/<service>,
// alarms ecsflow-dev-<service>-*, state bucket ecsflow-tfstate-dev, lock
// table ecsflow-terraform-locks, ledger table ecsflow-deployments), and
// lets the first deployments finish so the services start steady. It also
// writes the Terraform state (format version 4) of the resources
// drift-check covers to s3://ecsflow-tfstate-dev/open-webui/dev/terraform.tfstate,
// the key examples/open-webui/terraform/backend/dev.s3.tfbackend names, so
// `drift-check --path examples/open-webui/terraform --environment dev`
// checks the seeded stack and finds it in sync (Stack.TerraformState
// renders the same document). Stack describes what was made; Stack.Vars
// hands the names to a workflow.
//
// # Your own stack
//
// SeedStack does the same for a team's own Terraform: ReadStack reads the
// root module with package tfparse (variables, var files, locals), and
// SeedStack creates its ECR repositories, log groups, clusters, target
// groups, load balancers, task definitions, alarms and services, with
// references between them resolved to what it created, and writes their
// state at the key of the stack's s3 backend (block or -backend-config
// file). One sandbox VPC, security group and execution role stand in for
// the stack's network and roles; every other resource is listed in
// StackPlan.Unsupported, never dropped without a word
// (`go run ./cmd/sandbox up --stack <dir> --region <region>`).
//
// Tests use package sandboxtest, which shares one sandbox per test binary;
// developers use `go run ./cmd/sandbox up`.
package sandbox
