package deploy

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

// The benchmarks run whole deployments on the simulator's fake clock and
// report simulated durations (b.ReportMetric), not the wall time of the
// loop: they measure the engine's polling and recovery policy. scripts/bench/deploy.sh
// turns them into a report against the goals of issue 5.

// benchEnv varies, per iteration i, how long tasks take to pull and pass
// their health check (a 15 s spread), so results average over how polls
// line up with the moment the rollout really ends.
func benchEnv(b *testing.B, i int, services ...string) *env {
	timing := ecssim.DefaultTiming
	timing.Pull += time.Duration(i%15) * time.Second
	timing.HealthCheck += time.Duration(i%7) * time.Second
	e := newEnvWith(b, []ecssim.Option{ecssim.WithTiming(timing)},
		&types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}, services...)
	e.engine.Log = nil
	return e
}

// completedAt is when ECS really finished the service's deployment.
func completedAt(b *testing.B, e *env, arn string) time.Time {
	out, err := e.Sim.DescribeServiceDeployments(context.Background(), &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}})
	if err != nil || len(out.ServiceDeployments) != 1 || out.ServiceDeployments[0].FinishedAt == nil {
		b.Fatalf("no finished deployment %s: %v", arn, err)
	}
	return *out.ServiceDeployments[0].FinishedAt
}

// BenchmarkCompletionToExit: time from ECS finishing a rolling deployment to
// the engine returning (goal: at most one poll ceiling, under 5 s).
func BenchmarkCompletionToExit(b *testing.B) {
	var worst, total time.Duration
	for i := 0; i < b.N; i++ {
		e := benchEnv(b, i, "web")
		res := e.run(context.Background(), e.plan(fmt.Sprintf("v%d", i+2), "", "web"))
		if res.Status != Succeeded {
			b.Fatalf("deploy %s", res.Status)
		}
		d := res.End.Sub(completedAt(b, e, res.Services[0].DeploymentID))
		total += d
		worst = max(worst, d)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s-completion-to-exit")
	b.ReportMetric(worst.Seconds(), "s-worst")
}

// BenchmarkPeerCompletionToExit models the official action's waiter (the
// SDK services-stable waiter: DescribeServices every 15 s until one
// deployment runs the desired count) on the same simulated deployment.
// The "backoff" variant doubles the delay from 15 s up to 600 s, the
// ceiling newer waiters allow (without their random jitter).
func BenchmarkPeerCompletionToExit(b *testing.B) {
	b.Run("fixed-15s", func(b *testing.B) { peerWait(b, func(time.Duration) time.Duration { return 15 * time.Second }) })
	b.Run("backoff-600s", func(b *testing.B) {
		peerWait(b, func(prev time.Duration) time.Duration {
			if prev == 0 {
				return 15 * time.Second
			}
			return min(2*prev, 600*time.Second)
		})
	})
}

func peerWait(b *testing.B, next func(time.Duration) time.Duration) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		e := benchEnv(b, i, "web")
		arn := e.Register("web", "web:v2")
		out, err := e.Sim.UpdateService(context.Background(), &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("web"), TaskDefinition: aws.String(arn)})
		if err != nil {
			b.Fatal(err)
		}
		var delay time.Duration
		for {
			delay = next(delay)
			e.Sim.Advance(delay)
			s := e.Service("web")
			if len(s.Deployments) == 1 && s.RunningCount == s.DesiredCount {
				break
			}
		}
		total += e.Sim.Now().Sub(completedAt(b, e, aws.ToString(out.Service.CurrentServiceDeployment)))
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s-completion-to-exit")
}

// BenchmarkFirstFailedTaskToRollback: time from the first task of a broken
// revision stopping to the rollback starting (goal: under 15 s).
func BenchmarkFirstFailedTaskToRollback(b *testing.B) {
	var total, worst time.Duration
	for i := 0; i < b.N; i++ {
		e := benchEnv(b, i, "web")
		e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:broken"})
		res := e.run(context.Background(), e.plan("broken", "", "web"))
		s := res.Services[0]
		if res.Status != RolledBack || s.RollbackStarted.IsZero() {
			b.Fatalf("not rolled back: %s", res.Status)
		}
		first := firstStopped(b, e, s.TaskDefinition)
		d := s.RollbackStarted.Sub(first)
		total += d
		worst = max(worst, d)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s-first-failure-to-rollback")
	b.ReportMetric(worst.Seconds(), "s-worst")
}

func firstStopped(b *testing.B, e *env, td string) time.Time {
	ctx := context.Background()
	lt, err := e.Sim.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("prod"), ServiceName: aws.String("web"), DesiredStatus: types.DesiredStatusStopped})
	if err != nil {
		b.Fatal(err)
	}
	dt, err := e.Sim.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: lt.TaskArns})
	if err != nil {
		b.Fatal(err)
	}
	var first time.Time
	for _, t := range dt.Tasks {
		if aws.ToString(t.TaskDefinitionArn) != td {
			continue
		}
		// the task failed when it began stopping, before its drain ended
		for _, at := range []*time.Time{t.StoppingAt, t.ExecutionStoppedAt, t.StoppedAt} {
			if at != nil && (first.IsZero() || at.Before(first)) {
				first = *at
			}
		}
	}
	if first.IsZero() {
		b.Fatal("no stopped task of the new revision")
	}
	return first
}

// BenchmarkCallsPerMinute20Services: AWS calls per minute while 20 services
// deploy at once in one wave, gated by a CloudWatch alarm, and their new
// tasks take 10 minutes to start. ECS calls and CloudWatch calls are
// reported apart: they have separate rate limits.
func BenchmarkCallsPerMinute20Services(b *testing.B) {
	names := make([]string, 20)
	for i := range names {
		names[i] = fmt.Sprintf("svc%02d", i)
	}
	var perMin, cwPerMin float64
	for i := 0; i < b.N; i++ {
		e := benchEnv(b, i, names...)
		e.Sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultSlowStart, Image: "*:v2", After: 10 * time.Minute})
		e.Sim.ResetCalls()
		p := e.plan("v2", "", names...)
		p.Gates.Alarms = []string{"fleet-5xx"}
		res := e.run(context.Background(), p)
		if res.Status != Succeeded {
			b.Fatalf("deploy %s", res.Status)
		}
		calls := e.engine.Calls()
		// only the waiting: register/update/prepare calls are not polling
		mins := res.End.Sub(res.Start).Minutes()
		perMin += float64(calls["ecs:DescribeServices"]+calls["ecs:DescribeServiceDeployments"]) / mins
		cwPerMin += float64(calls["cloudwatch:DescribeAlarms"]) / mins
	}
	b.ReportMetric(perMin/float64(b.N), "calls/min")
	b.ReportMetric(cwPerMin/float64(b.N), "cw-calls/min")
}

// BenchmarkMTTR: from the start of a bad deployment to the previous revision
// being steady again, for the failure kinds the engine recovers from
// (targets: under 5 min in phase 1, under 10 min automated).
func BenchmarkMTTR(b *testing.B) {
	cases := []struct {
		name      string
		fault     ecssim.Fault
		threshold int
	}{
		{"image-pull", ecssim.Fault{Kind: ecssim.FaultImagePull, Image: "web:bad"}, 1},
		{"crash-after-start", ecssim.Fault{Kind: ecssim.FaultExit, Image: "web:bad", After: 30 * time.Second}, 1},
		{"unhealthy", ecssim.Fault{Kind: ecssim.FaultUnhealthy, Image: "web:bad"}, 1},
		{"circuit-breaker-only", ecssim.Fault{Kind: ecssim.FaultExit, Image: "web:bad", After: 5 * time.Second}, 0},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				e := benchEnv(b, i, "web")
				e.Sim.InjectFault(tc.fault)
				p := e.plan("bad", "", "web")
				p.FailedTasksThreshold = tc.threshold
				res := e.run(context.Background(), p)
				s := res.Services[0]
				if res.Status != RolledBack {
					b.Fatalf("%s: %s", tc.name, res.Status)
				}
				total += s.RollbackDone.Sub(s.Started)
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s-mttr")
		})
	}
}
