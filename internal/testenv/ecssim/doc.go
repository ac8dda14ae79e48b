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
//	sim := ecssim.New(clock, ecssim.WithSeed(7)) // strict: read lag and throttling on
//	sim.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1")})
//	sim.RegisterTaskDefinition(ctx, ...)
//	sim.CreateService(ctx, ...)
//	sim.Advance(2 * time.Minute) // the service reaches a steady state
//	sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "*:broken"})
//	// then hand sim to the code under test through its ECS interface and
//	// make that code's sleeps call clock.Advance
//
// Every rule below is on in every New; docs/ecs-contract.md lists each with
// its source and its test. WithReadLag(0, 0) and WithThrottling(NoThrottling)
// turn the read lag and the token buckets off for a test that needs that.
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
//   - Eventual consistency: after CreateService, UpdateService and
//     StopServiceDeployment, reads of that service (DescribeServices,
//     ListServices, ListServiceDeployments, DescribeServiceDeployments,
//     whose new ARN is a MISSING failure, DescribeServiceRevisions) show it
//     as it was before the write for a seeded 1–3 s draw (WithReadLag,
//     WithSeed); a new task
//     stays out of ListTasks/DescribeTasks for such a draw. The simulation
//     itself changes at once.
//   - Request throttling: per-account token buckets on the simulator clock
//     (DefaultThrottling: reads and writes apart; HarshThrottling: one
//     shared bucket of 20 tokens at 5 a second; WithThrottling). An empty
//     bucket answers ThrottlingException "Rate exceeded", as Throttle does.
//   - Strategy prerequisites: BLUE_GREEN, CANARY and LINEAR need a target
//     group with advancedConfiguration or Service Connect; BLUE_GREEN needs
//     bakeTimeInMinutes; canaryPercent 0.1–100 and stepPercent 3–100 in
//     steps of 0.1 (InvalidParameterException otherwise).
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
//   - Service revisions (DescribeServiceRevisions, 1–20 ARNs, unknown ones
//     MISSING): one immutable revision per CreateService and per
//     UpdateService that starts a deployment, none for a rollback (which
//     runs the last successful revision again), deleted with the service.
//   - Rolling updates honouring maximumPercent and minimumHealthyPercent: old
//     tasks stop only as new ones become healthy, so a bad revision never
//     takes the old one down.
//   - failedTasks counts consecutive failed tasks and is 0, no longer
//     evaluated, once the deployment has a running task. rolloutState is
//     returned only for rolling services not behind a Classic Load Balancer.
//   - The circuit breaker: tasks that never reach RUNNING (stage 1) or stop
//     before passing their health checks (stage 2) count against a
//     threshold of half the desired count rounded up, at least 3 and at most
//     200 (or the ThresholdConfiguration); a task that was healthy is not a
//     failure when it stops later; a task reaching a healthy state resets
//     the count unless resetOnHealthyTask is false; with rollback, ECS
//     returns to the last completed revision (rolloutState FAILED on the bad one, service
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
//     with its hookId (required; a hook not awaiting action is an
//     InvalidParameterException). Whoever placed the hook — a deployer, a
//     person, a team's automation — answers it; a test plays that part. An
//     AWS_LAMBDA hook invokes the LambdaFunc given by WithLambda on the
//     simulator clock: SUCCEEDED goes on, FAILED, an error, an invalid
//     answer or a function never given rolls back, IN_PROGRESS is invoked
//     again after callBackDelay (30 s). On timeout (timeoutConfiguration,
//     default 1440 minutes) ECS takes the configured action (default
//     ROLLBACK). PAUSE hooks at TEST_TRAFFIC_SHIFT/PRODUCTION_TRAFFIC_SHIFT
//     are rejected, as on ECS.
//   - Filters and pages: ListTasks with startedBy (the deployment id,
//     ecs-svc/…, which every task a deployment starts carries) takes no
//     other filter but desiredStatus; every List* honours nextToken and
//     maxResults 1–100 with the documented default page sizes.
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
//   - Metrics (WithMetrics): per-minute RunningTaskCount per service and
//     ALB RequestCount, HTTPCode_Target_5XX_Count and TargetResponseTime
//     per target group, shaped by each revision's FaultErrors or
//     FaultLatencyLeak tasks, for the CloudWatch stand-in (package cwsim)
//     and anomaly detection.
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
// such services are refused), Service Connect traffic (its configuration
// only satisfies the strategy prerequisites), autoscaling, the Lambda hook
// payload beyond LambdaInvocation (hookDetails documents are dropped) and
// hooks run during a rollback, health check grace periods, early success
// criteria, IAM, the per-operation throttling table (two buckets stand for
// it), read lag after other writes (RegisterTaskDefinition,
// ContinueServiceDeployment, DeleteService), and listener rules: traffic
// weights are reported on the service revisions and targets, not applied
// to an ELBv2 listener. Failure
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
