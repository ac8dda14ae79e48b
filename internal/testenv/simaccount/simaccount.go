// Package simaccount is a simulated AWS account for the tests of the deploy
// engine and of the actions that drive it (deploy-ecs, rollback): the ECS
// simulator with a cluster "prod" and services behind an ALB, CloudWatch
// alarms read from the simulator's alarm states, target health from the
// simulator, and an HTTP client that answers health checks on the
// simulated clock.
//
// It imports no engine, so the engine's own tests (package deploy) and the
// action's tests use the same account without an import cycle; each wraps
// an Account with what it drives (an Engine, or the action's Run). It is
// test machinery: no action binary may import it (actions/depcheck_test.go).
package simaccount

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/simclock"
)

// T0 is when every Account's clock starts.
var T0 = time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)

// Account is a simulated ECS account with a cluster "prod" and services
// whose single container "app" runs image "<service>:v1".
type Account struct {
	T      testing.TB
	Sim    *ecssim.Sim
	Alarms *Alarms
	HTTP   *HTTP
}

// New is NewWith without simulator options.
func New(t testing.TB, cfg *types.DeploymentConfiguration, services ...string) *Account {
	t.Helper()
	return NewWith(t, nil, cfg, services...)
}

// NewWith creates the account on a simulator built with opts: cluster
// "prod" and each service on revision <service>:1 with two tasks, the
// deployment configuration cfg and a target group behind an ALB (ALBFor).
// The clock is then three minutes past T0, every service steady.
func NewWith(t testing.TB, opts []ecssim.Option, cfg *types.DeploymentConfiguration, services ...string) *Account {
	t.Helper()
	a := NewEmpty(t, opts...)
	for _, s := range services {
		a.CreateService(s, cfg, ALBFor(s))
	}
	a.Sim.Advance(3 * time.Minute)
	return a
}

// NewEmpty creates the account on a simulator built with opts: cluster
// "prod" without services, the clock at T0. Tests that need services
// other than NewWith's (no load balancer, say) create them with
// CreateService.
func NewEmpty(t testing.TB, opts ...ecssim.Option) *Account {
	t.Helper()
	sim := ecssim.New(ecssim.NewFakeClock(T0), opts...)
	a := &Account{T: t, Sim: sim, Alarms: &Alarms{Sim: sim}}
	a.HTTP = &HTTP{Status: func(time.Time) int { return 200 }, Now: sim.Now}
	_, err := sim.CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String("prod")})
	require.NoError(t, err)
	return a
}

// Clock is the account's simulated clock as the engines take it: Sleep
// advances the simulator.
func (a *Account) Clock() simclock.Manual {
	return simclock.Manual{NowFunc: a.Sim.Now, Advance: a.Sim.Advance}
}

// ALBFor is a target group of service s behind an ALB whose
// advancedConfiguration lets ECS shift traffic (blue-green, canary, linear).
func ALBFor(s string) []types.LoadBalancer {
	tg := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/"
	return []types.LoadBalancer{{TargetGroupArn: aws.String(tg + s + "/0123456789abcdef"),
		ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080),
		AdvancedConfiguration: &types.AdvancedConfiguration{
			AlternateTargetGroupArn: aws.String(tg + s + "-green/0123456789abcdef"),
			ProductionListenerRule:  aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/0123456789abcdef/0123456789abcdef/" + s),
			RoleArn:                 aws.String("arn:aws:iam::123456789012:role/ecs-infrastructure"),
		}}}
}

// PullError is a fault that makes every pull of image fail.
func PullError(image string) ecssim.Fault {
	return ecssim.Fault{Kind: ecssim.FaultImagePull, Image: image}
}

// CreateService creates service s on revision s:1 (registered with image
// s:v1) with two tasks.
func (a *Account) CreateService(s string, cfg *types.DeploymentConfiguration, lbs []types.LoadBalancer) {
	arn := a.Register(s, s+":v1")
	a.Setup(func() error {
		_, err := a.Sim.CreateService(context.Background(), &ecs.CreateServiceInput{
			Cluster: aws.String("prod"), ServiceName: aws.String(s), TaskDefinition: aws.String(arn), DesiredCount: aws.Int32(2),
			DeploymentConfiguration: cfg, LoadBalancers: lbs,
		})
		return err
	})
}

// Setup runs one set-up call, waiting out the simulator's throttling (a
// fixture under ecssim.HarshThrottling creates many services).
func (a *Account) Setup(call func() error) {
	a.T.Helper()
	err := call()
	for i := 0; i < 100 && err != nil && throttled(err); i++ {
		a.Sim.Advance(time.Second)
		err = call()
	}
	require.NoError(a.T, err)
}

// throttled reports whether err is the simulator's ThrottlingException.
func throttled(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ThrottlingException"
}

// Register registers a Fargate revision of family whose container "app"
// runs image, and returns its ARN.
func (a *Account) Register(family, image string) string {
	var out *ecs.RegisterTaskDefinitionOutput
	a.Setup(func() (err error) {
		out, err = a.Sim.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
			Family: aws.String(family), Cpu: aws.String("256"), Memory: aws.String("512"), NetworkMode: types.NetworkModeAwsvpc,
			RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(image), Essential: aws.Bool(true),
				PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}}}},
		})
		return err
	})
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

// Service describes service name of cluster prod.
func (a *Account) Service(name string) types.Service {
	out, err := a.Sim.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{name}})
	require.NoError(a.T, err)
	require.Len(a.T, out.Services, 1)
	return out.Services[0]
}

// SteadyOn asserts, two minutes on, that a service runs only revision
// family:rev at full size.
func (a *Account) SteadyOn(name, rev string) {
	a.T.Helper()
	a.Sim.Advance(2 * time.Minute)
	s := a.Service(name)
	require.True(a.T, strings.HasSuffix(aws.ToString(s.TaskDefinition), "/"+rev), "service %s runs %s, want %s", name, aws.ToString(s.TaskDefinition), rev)
	require.Len(a.T, s.Deployments, 1, "service %s has several deployments", name)
	require.Equal(a.T, s.DesiredCount, s.RunningCount, "service %s is below its desired count", name)
}

// Mutations counts the calls so far that change something in ECS.
func (a *Account) Mutations() int {
	c := a.Sim.Calls()
	return c["RegisterTaskDefinition"] + c["UpdateService"] + c["StopServiceDeployment"] + c["ContinueServiceDeployment"] + c["DeregisterTaskDefinition"]
}

// Alarms answers DescribeAlarms from the simulator's alarm states (the
// same states the simulator's deployment alarms read).
type Alarms struct {
	Sim *ecssim.Sim
	// Known, when set, lists the alarms that exist; others are not returned.
	Known map[string]bool
	// At, when set, sets alarm Alarm into ALARM once the clock reaches it.
	At    time.Time
	Alarm string
}

// DescribeAlarms returns the named alarms with their simulated states.
func (c *Alarms) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	c.tick()
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, n := range in.AlarmNames {
		if c.Known != nil && !c.Known[n] {
			continue
		}
		out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(n), StateValue: cwtypes.StateValue(c.Sim.AlarmState(n))})
	}
	return out, nil
}

func (c *Alarms) tick() {
	if c.Alarm != "" && !c.Sim.Now().Before(c.At) {
		c.Sim.SetAlarmState(c.Alarm, "ALARM")
	}
}

// GetMetricData returns no data points.
func (c *Alarms) GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return &cloudwatch.GetMetricDataOutput{}, nil
}

// ELB answers DescribeTargetHealth from the simulator.
type ELB struct{ Sim *ecssim.Sim }

// DescribeTargetHealth returns the simulated health of a target group.
func (f ELB) DescribeTargetHealth(_ context.Context, in *elbv2.DescribeTargetHealthInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	return &elbv2.DescribeTargetHealthOutput{TargetHealthDescriptions: f.Sim.TargetHealthDescriptions(*in.TargetGroupArn)}, nil
}

// DescribeTargetGroups names no load balancer for any target group: the
// simulator knows none (and, without ecssim.WithLoadBalancerOf, publishes
// ALB metrics with TargetGroup alone: the two agree).
func (f ELB) DescribeTargetGroups(_ context.Context, in *elbv2.DescribeTargetGroupsInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	out := &elbv2.DescribeTargetGroupsOutput{}
	for _, a := range in.TargetGroupArns {
		out.TargetGroups = append(out.TargetGroups, elbtypes.TargetGroup{TargetGroupArn: aws.String(a)})
	}
	return out, nil
}

// HTTP answers health checks with a status that depends on the time.
type HTTP struct {
	// Status is the answer at a time (200 from New).
	Status func(time.Time) int
	Now    func() time.Time

	mu    sync.Mutex
	calls int
}

// Do answers r with Status(Now()) and an empty body.
func (f *HTTP) Do(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	code := f.Status(f.Now())
	return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// Calls is how many requests Do answered.
func (f *HTTP) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}
