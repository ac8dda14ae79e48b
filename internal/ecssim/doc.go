// Package ecssim is a deterministic ECS rollout simulator: an in-memory ECS
// control plane on an injectable clock that stands in where moto cannot
// (moto never progresses deployments, never fails tasks and lacks the
// native-strategy APIs).
//
// # Using it
//
// A *Sim has methods with the exact aws-sdk-go-v2 ECS client signatures, so
// code that declares a small interface over the ECS calls it makes can be
// driven by it directly:
//
//	clock := ecssim.NewFakeClock(start)
//	sim := ecssim.New(clock)
//	sim.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1")})
//	sim.RegisterTaskDefinition(ctx, ...)
//	sim.CreateService(ctx, ...)
//	sim.Advance(2 * time.Minute) // the service reaches a steady state
//	sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "*:broken"})
//	deployer := deploy.New(sim, ...) // code under test; its sleep calls clock.Advance
//
// Nothing happens in the background and no goroutine is started: every API
// call (and Sim.Advance) first runs the simulation, one Timing.Tick (1 s) at
// a time, from the last simulated instant to Clock.Now. A 30-minute rollout
// on a FakeClock takes milliseconds, and the same calls always give the same
// answers, task IDs and ARNs included.
//
// NewHandler puts the simulator behind HTTP with the ECS JSON 1.1 protocol,
// for the sandbox (see below).
//
// # What is modelled
//
//   - Clusters, tags, task definitions and families (revisions,
//     ACTIVE/INACTIVE, Fargate cpu/memory pairs validated as ECS does,
//     "1 vCPU"/"2 GB" forms, a bare family resolving to its latest ACTIVE
//     revision), services, tasks.
//   - Task lifecycle PROVISIONING → PENDING (image pull) → RUNNING → health
//     check (target group "initial" → "healthy", or container health
//     check) → on stop DEACTIVATING/STOPPING/DEPROVISIONING → STOPPED, with
//     stopCode, stoppedReason, container exit codes and reasons, pull/start/
//     stop timestamps. Durations are in Timing (WithTiming). Stopped tasks
//     stay listable for an hour.
//   - Deployments as DescribeServices shows them (PRIMARY/ACTIVE, desired/
//     running/pending/failed counts, rolloutState IN_PROGRESS → COMPLETED or
//     FAILED with a reason) and as service deployments
//     (DescribeServiceDeployments / ListServiceDeployments: status, lifecycle
//     stage, source and target service revisions with traffic weights,
//     circuit breaker and alarm monitors, rollback details, hook details).
//   - Rolling updates honouring maximumPercent and minimumHealthyPercent: old
//     tasks stop only as new ones become healthy, so a bad revision never
//     takes the old one down.
//   - The circuit breaker: failed tasks count against a threshold of half the
//     desired count rounded up, at least 3 and at most 200 (or the
//     ThresholdConfiguration); a task reaching a healthy state resets the
//     count unless resetOnHealthyTask is false; with rollback, ECS returns
//     to the last
//     completed revision (rolloutState FAILED on the bad one, service
//     deployment ROLLBACK_IN_PROGRESS → ROLLBACK_SUCCESSFUL); without it the
//     deployment stops launching and the service deployment is STOPPED.
//     Without a circuit breaker ECS keeps replacing failed tasks forever.
//   - Deployment alarms: while a deployment runs (bake time included) any
//     watched alarm in ALARM fails it, and rolls back when alarms.rollback is
//     set. Alarm states come from SetAlarmState or WithAlarmSource.
//   - Native strategies (deploymentConfiguration.strategy): BLUE_GREEN,
//     CANARY (canaryPercent, canaryBakeTimeInMinutes) and LINEAR (stepPercent,
//     stepBakeTimeInMinutes) walk the stages PRE_SCALE_UP, SCALE_UP (green at
//     100 % beside blue), POST_SCALE_UP, TEST_TRAFFIC_SHIFT,
//     POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT (one step per weight;
//     PRE_PRODUCTION_TRAFFIC_SHIFT hooks run before each step),
//     POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME (bakeTimeInMinutes, blue still
//     running) and CLEAN_UP. A rollback before CLEAN_UP returns traffic to
//     blue at once. ROLLING honours bakeTimeInMinutes after the new tasks are
//     steady. The first deployment of a new service has no revision to shift
//     traffic from: it scales up and completes without hooks, steps or bake.
//   - Lifecycle hooks: a PAUSE hook holds its stage (AWAITING_ACTION, with an
//     expiry) until ContinueServiceDeployment answers CONTINUE or ROLLBACK
//     (by HookId, or every waiting hook without one); on timeout ECS takes
//     the configured action (default ROLLBACK). PAUSE hooks at
//     TEST_TRAFFIC_SHIFT/PRODUCTION_TRAFFIC_SHIFT are rejected, as on ECS.
//   - StopServiceDeployment: ROLLBACK (default) rolls back, ABORT stops the
//     rollout where it is (STOP_REQUESTED → STOPPED; the new revision starts
//     no more tasks, a native deployment keeps both revisions and its
//     traffic weights). A new UpdateService deployment stops the one in
//     progress.
//   - Service events with ECS's wording: "has started N tasks", "registered N
//     targets", "has stopped N running tasks", "(port P) is unhealthy in
//     (target-group …)", "deployment failed: tasks failed to start.",
//     "deployment failed: alarm detected.", "rolling back to deployment …",
//     "deployment completed.", "has reached a steady state."
//   - Fault injection per image (glob) or task definition: image pull error
//     (CannotPullContainerError), essential container exit (exit code),
//     failing health checks (ELB or container), slow start; optionally only
//     for the first N tasks (flaky starts). WithImageCheck fails the pull of
//     images that do not exist (e.g. a tag never pushed to the sandbox's
//     registry), as on AWS.
//   - Throttling injection (ThrottlingException "Rate exceeded" for the next
//     N calls of an operation, or of any) and per-operation call counting
//     for rate benchmarks (Calls, TotalCalls, ResetCalls).
//   - Target health for ELBv2 (TargetHealth, TargetHealthDescriptions) and
//     DeregisteredInUse, which records revisions deregistered while a service
//     still used them (ECS allows it; a careful deployer never does it).
//
// # What is not modelled
//
// Capacity providers, placement, Spot interruptions, EC2 container
// instances, RunTask/StartTask/StopTask, task sets and the CODE_DEPLOY and
// EXTERNAL controllers (the controller is stored; task-definition updates of
// such services are refused), Service Connect, autoscaling, Lambda hook
// invocation (AWS_LAMBDA hooks succeed at once; hookDetails documents are
// dropped), health check grace periods, early success criteria, IAM, and listener rules: traffic weights are reported on the
// service revisions and targets, not applied to an ELBv2 listener. Failure
// texts follow ECS's wording but are not byte-for-byte copies of every
// variant ECS emits.
//
// # In the sandbox
//
// NewHandler(sim, moto, WithRealTime(speed)) answers the ECS operations in
// Sim.Operations itself and passes every other request to the fallback
// (moto). The simulator therefore owns ECS entirely for everything the
// actions and the seeder use — clusters, task definitions, services, tasks
// and deployments are created in the simulator, never in moto, and nothing
// is copied from moto — while ELBv2, CloudWatch, ECR and the rest stay with
// moto. ECS operations the simulator does not know (RunTask, account
// settings, capacity providers, …) reach moto, which does not know the simulator's resources. The simulator
// serves one region and account (WithRegion, WithAccount): a sandbox keeps
// one Sim per region. With WithRealTime the clock runs speed times faster
// than real time while something is changing and waits for the wall clock
// while idle, so a deployment driven by an action completes in seconds and
// timestamps stay near real time between deployments; WithAlarmSource can
// point deployment alarms at moto's CloudWatch.
package ecssim
