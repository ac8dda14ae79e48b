package rollback

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/testenv/cwsim"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/simaccount"
	"github.com/ecsflow/ecsflow/internal/testenv/simclock"
)

const (
	anomalyTG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067"
	anomalyLB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/front/50dc6c495c0c9188"
)

// anomalyCW answers alarms from the simulator and metrics from the
// CloudWatch stand-in the simulator publishes into.
type anomalyCW struct {
	alarms *simaccount.Alarms
	cw     *cwsim.CloudWatch
}

func (a anomalyCW) DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, o ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	return a.alarms.DescribeAlarms(ctx, in, o...)
}

func (a anomalyCW) GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, o ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return a.cw.GetMetricData(ctx, in, o...)
}

// lbELB is ELBv2 for the one target group: its health from the
// simulator, its load balancer anomalyLB.
type lbELB struct{ sim *ecssim.Sim }

func (f lbELB) DescribeTargetHealth(_ context.Context, in *elbv2.DescribeTargetHealthInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	return &elbv2.DescribeTargetHealthOutput{TargetHealthDescriptions: f.sim.TargetHealthDescriptions(aws.ToString(in.TargetGroupArn))}, nil
}

func (lbELB) DescribeTargetGroups(_ context.Context, in *elbv2.DescribeTargetGroupsInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	out := &elbv2.DescribeTargetGroupsOutput{}
	for _, a := range in.TargetGroupArns {
		out.TargetGroups = append(out.TargetGroups, elbtypes.TargetGroup{TargetGroupArn: aws.String(a), LoadBalancerArns: []string{anomalyLB}})
	}
	return out, nil
}

// anomalyScene is web behind a load balancer, publishing metrics into the
// stand-in, with a ledger whose first record is web:1 at t0, after an
// hour and ten minutes of normal traffic (the band has trained).
type anomalyScene struct {
	*env
	metrics *cwsim.CloudWatch
	led     *ledger.Ledger
}

func newAnomalyScene(t *testing.T) *anomalyScene {
	t.Helper()
	cw := cwsim.New()
	e := newEnvLB(t, nil, []types.LoadBalancer{{TargetGroupArn: aws.String(anomalyTG), ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)}},
		ecssim.WithMetrics(cw.AddData), ecssim.WithLoadBalancerOf(func(string) string { return anomalyLB }))
	e.cw, e.elb = anomalyCW{e.acct.Alarms, cw}, lbELB{e.sim}
	led := e.withLedger()
	require.NoError(t, led.Put(context.Background(), ledger.Record{Cluster: "prod", Service: "web", TaskDefinition: tdARN("web:1"), Outcome: "succeeded", Start: t0, End: t0.Add(3 * time.Minute)}))
	e.sim.Advance(70 * time.Minute)
	return &anomalyScene{env: e, metrics: cw, led: led}
}

// watch runs check mode with anomaly every simulated minute, as the
// anomaly alarms' one-minute evaluation would start it, until done says a
// run acted or rounds pass. It returns that run and the simulated time it
// started; every earlier run must exit 0 and pass before.
func (s *anomalyScene) watch(in map[string]string, rounds int, done func(result) bool, before func(result)) (result, time.Time) {
	s.t.Helper()
	args := map[string]string{"cluster": "prod", "service": "web", "mode": "check", "anomaly": "true", "ledger-table": s.led.Table}
	for k, v := range in {
		args[k] = v
	}
	for range rounds {
		s.sim.Advance(time.Minute)
		at := s.sim.Now()
		r := s.run(args)
		if done(r) {
			return r, at
		}
		require.Equal(s.t, 0, r.code, r.stdout)
		before(r)
	}
	s.t.Fatalf("check mode did not act within %d minutes", rounds)
	return result{}, time.Time{}
}

// firstBad is the first datapoint at or after onset outside its band (2
// standard deviations) among web's metrics, as known at now: the moment
// MTTD and MTTR are measured from.
func (s *anomalyScene) firstBad(onset, now time.Time) time.Time {
	s.t.Helper()
	eng := &deploy.Engine{CloudWatch: s.metrics, ELB: lbELB{s.sim}, Clock: simclock.Manual{NowFunc: func() time.Time { return now }}}
	gates, err := eng.ServiceAnomalyGates(context.Background(), s.service(), 2)
	require.NoError(s.t, err)
	var first time.Time
	for _, g := range gates {
		a, err := eng.FirstAnomaly(context.Background(), g, onset)
		require.NoError(s.t, err)
		if a != nil && (first.IsZero() || a.At.Before(first)) {
			first = a.At
		}
	}
	require.False(s.t, first.IsZero(), "a datapoint left its band")
	return first
}

// slowleakAfterDeploy: web:v2 leaks latency after a deployment; check
// mode rolls back to last-known-good (web:1) and records why. It returns
// MTTD and MTTR from the first datapoint outside the band.
func slowleakAfterDeploy(t *testing.T) (time.Duration, time.Duration) {
	s := newAnomalyScene(t)
	s.sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultLatencyLeak, Image: "web:slowleak", LatencyGrowth: 20 * time.Millisecond})
	onset := s.sim.Now()
	v2 := s.update("web:slowleak", 0)
	require.NoError(t, s.led.Put(context.Background(), ledger.Record{Cluster: "prod", Service: "web", TaskDefinition: v2, Previous: tdARN("web:1"), Outcome: "succeeded", Start: onset, End: onset.Add(2 * time.Minute)}))

	r, at := s.watch(nil, 30,
		func(r result) bool { return output(r.outputs, "rolled-back") == "true" },
		func(r result) {
			require.Contains(t, r.stdout, "[web] healthy", "no false positive before the leak shows")
		})
	require.Equal(t, 0, r.code, r.stdout)
	recovered := s.sim.Now()
	s.steadyOn("web:1")
	assert.Contains(t, r.summary, "rolled back to web:1: succeeded")
	assert.Contains(t, r.summary, "anomaly AWS/ApplicationELB:TargetResponseTime{LoadBalancer=app/front/50dc6c495c0c9188,TargetGroup=targetgroup/web/73e2d6bc24d8a067}: p90")
	hist, err := s.led.History(context.Background(), "prod", "web", 1)
	require.NoError(t, err)
	assert.Equal(t, v2, hist[0].RollbackOf)
	assert.Equal(t, tdARN("web:1"), hist[0].TaskDefinition)
	assert.Contains(t, hist[0].Reason, "after the deployment of", "the ledger says why")
	bad := s.firstBad(onset, at)
	return at.Sub(bad), recovered.Sub(bad)
}

// flappingWithoutDeploy: web:1, deployed long ago, starts restarting its
// tasks with no deployment; check mode rolls nothing back and opens an
// issue. It returns MTTD and the time to the issue from the first
// datapoint outside the band.
func flappingWithoutDeploy(t *testing.T) (time.Duration, time.Duration) {
	s := newAnomalyScene(t)
	onset := s.sim.Now()
	s.sim.InjectFaultRunning(ecssim.Fault{Kind: ecssim.FaultExit, Image: "web:v1", After: 3 * time.Minute})

	// ECS's own replacements and check mode's redeploy of the same
	// revision come first; neither rolls anything back.
	r, at := s.watch(map[string]string{"github-token": "ghs_anomaly"}, 30,
		func(r result) bool { return r.code != 0 }, func(result) {})
	require.Equal(t, 1, r.code, r.stdout)
	escalated := s.sim.Now()
	assert.Contains(t, r.summary, "needs a person")
	require.Len(t, s.gh.issues, 1)
	body := s.gh.issues[0]["body"].(string)
	assert.Contains(t, body, "ECS/ContainerInsights:RunningTaskCount{ClusterName=prod,ServiceName=web}: Average")
	assert.Contains(t, body, "not the deployment's doing")
	assert.True(t, strings.HasSuffix(aws.ToString(s.service().TaskDefinition), "/web:1"), "nothing rolled back")
	hist, err := s.led.History(context.Background(), "prod", "web", 0)
	require.NoError(t, err)
	for _, h := range hist {
		assert.Empty(t, h.RollbackOf, "the ledger records no rollback")
	}
	bad := s.firstBad(onset, at)
	return at.Sub(bad), escalated.Sub(bad)
}

func TestCheckAnomalySlowleakAfterDeployRollsBack(t *testing.T) {
	t.Parallel()
	mttd, mttr := slowleakAfterDeploy(t)
	t.Logf("slowleak: MTTD %s, MTTR %s", mttd, mttr)
	assert.LessOrEqual(t, mttd, 2*time.Minute, "the seed's MTTD target")
	assert.LessOrEqual(t, mttr, 10*time.Minute, "the seed's MTTR target")
}

func TestCheckAnomalyFlappingWithoutDeployEscalates(t *testing.T) {
	t.Parallel()
	mttd, escalated := flappingWithoutDeploy(t)
	t.Logf("flapping: MTTD %s, MTTR %s (to the issue)", mttd, escalated)
	assert.LessOrEqual(t, mttd, 2*time.Minute, "the seed's MTTD target")
}

// TestSensitivity: the named widths and numbers are band widths in
// standard deviations; anything else is refused naming the input.
func TestSensitivity(t *testing.T) {
	t.Parallel()
	sp, err := actionspec.Parse(spec)
	require.NoError(t, err)
	cases := []struct {
		in   string
		want float64
		err  string
	}{
		{"", 2, ""}, {"low", 3, ""}, {"Medium", 2, ""}, {"high", 1.5, ""}, {"2.5", 2.5, ""}, {"0.5", 0.5, ""},
		{"0.4", 0, "from 0.5 to 10"}, {"11", 0, "from 0.5 to 10"}, {"paranoid", 0, `input "sensitivity": value "paranoid"`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{inputs.EnvName("cluster"): "prod", inputs.EnvName("service"): "web", inputs.EnvName("sensitivity"): tc.in}
			p, err := ParseConfig(inputs.New(sp, nil, func(k string) (string, bool) { v, ok := vars[k]; return v, ok }), func(string) string { return "" })
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.InDelta(t, tc.want, p.check.Sensitivity, 1e-9)
		})
	}
}
