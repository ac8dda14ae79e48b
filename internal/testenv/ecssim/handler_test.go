package ecssim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

func newClient(url string, maxAttempts int) *ecs.Client {
	return ecs.New(ecs.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
}

type fallbackRecorder struct {
	mu      sync.Mutex
	targets []string
}

func (f *fallbackRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.targets = append(f.targets, r.Header.Get("X-Amz-Target"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, _ = io.WriteString(w, `{"settings":[]}`)
}

// TestHandlerEndToEnd drives a whole canary deployment, a failure and the
// rollback through a real aws-sdk-go-v2 ECS client over HTTP.
func TestHandlerEndToEnd(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(t0)
	sim := New(clock)
	fb := &fallbackRecorder{}
	srv := httptest.NewServer(NewHandler(sim, fb))
	defer srv.Close()
	c := newClient(srv.URL, 3)
	ctx := context.Background()

	ok(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1")}))
	reg := func(image string) string {
		out := ok(c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
			Family: aws.String("web"), Cpu: aws.String("512"), Memory: aws.String("1024"), NetworkMode: types.NetworkModeAwsvpc,
			RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(image), Essential: aws.Bool(true), Memory: aws.Int32(512),
				PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080), Protocol: types.TransportProtocolTcp}},
				Environment:  []types.KeyValuePair{{Name: aws.String("MODE"), Value: aws.String("prod")}}}},
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}},
		}))
		return *out.TaskDefinition.TaskDefinitionArn
	}
	v1 := reg("app:v1")
	created := ok(c.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("c1"), ServiceName: aws.String("web"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(2),
		LaunchType:    types.LaunchTypeFargate,
		LoadBalancers: fixtureLBs(),
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
			Subnets: []string{"subnet-1"}, AssignPublicIp: types.AssignPublicIpDisabled}},
	}))
	if *created.Service.TaskDefinition != v1 {
		t.Fatalf("service task definition %s, want %s (resolved from the family)", *created.Service.TaskDefinition, v1)
	}
	clock.Advance(2 * time.Minute)

	d := ok(c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}}))
	cd := d.TaskDefinition.ContainerDefinitions[0]
	if *cd.Image != "app:v1" || *cd.PortMappings[0].ContainerPort != 8080 || *cd.Environment[0].Value != "prod" || len(d.Tags) != 1 ||
		!d.TaskDefinition.RegisteredAt.Equal(t0) {
		t.Fatalf("task definition did not round-trip: %+v tags %v registered %v", cd, d.Tags, d.TaskDefinition.RegisteredAt)
	}

	// a canary deployment that completes
	v2 := reg("app:v2")
	up := ok(c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("web"), TaskDefinition: aws.String(v2),
		DeploymentConfiguration: &types.DeploymentConfiguration{
			Strategy:                 types.DeploymentStrategyCanary,
			CanaryConfiguration:      &types.CanaryConfiguration{CanaryPercent: aws.Float64(20), CanaryBakeTimeInMinutes: aws.Int32(1)},
			BakeTimeInMinutes:        aws.Int32(1),
			DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
		}}))
	arn := *up.Service.CurrentServiceDeployment
	var sd types.ServiceDeployment
	for i := 0; i < 60; i++ {
		clock.Advance(15 * time.Second)
		out := ok(c.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}}))
		sd = out.ServiceDeployments[0]
		if sd.Status != types.ServiceDeploymentStatusInProgress {
			break
		}
	}
	if sd.Status != types.ServiceDeploymentStatusSuccessful || *sd.TargetServiceRevision.RequestedProductionTrafficWeight != 100 || sd.FinishedAt == nil || !sd.FinishedAt.After(t0) {
		t.Fatalf("canary over HTTP: %s weight %v finished %v", sd.Status, sd.TargetServiceRevision.RequestedProductionTrafficWeight, sd.FinishedAt)
	}
	list := ok(c.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("c1"), Service: aws.String("web")}))
	if len(list.ServiceDeployments) != 2 || *list.ServiceDeployments[0].ServiceDeploymentArn != arn {
		t.Fatalf("list service deployments: %+v", list.ServiceDeployments)
	}

	// a broken image: ECS's circuit breaker rolls back, tasks explain why
	sim.InjectFault(Fault{Kind: FaultImagePull, Image: "app:broken"})
	broken := reg("app:broken")
	up = ok(c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("web"), TaskDefinition: aws.String(broken),
		DeploymentConfiguration: &types.DeploymentConfiguration{Strategy: types.DeploymentStrategyRolling}}))
	clock.Advance(10 * time.Minute)
	svc := ok(c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("c1"), Services: []string{"web"}})).Services[0]
	if *svc.TaskDefinition != v2 || svc.RunningCount != 2 || svc.Deployments[0].RolloutState != types.DeploymentRolloutStateCompleted {
		t.Fatalf("after rollback: td %s running %d deployments %+v", *svc.TaskDefinition, svc.RunningCount, svc.Deployments)
	}
	if len(svc.Events) == 0 || svc.Events[0].CreatedAt == nil || !strings.Contains(*svc.Events[0].Message, "steady state") {
		t.Fatalf("latest event %+v, want a steady state", svc.Events[0])
	}
	stopped := ok(c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("c1"), ServiceName: aws.String("web"), DesiredStatus: types.DesiredStatusStopped}))
	tasks := ok(c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("c1"), Tasks: stopped.TaskArns}))
	pull := 0
	for _, tk := range tasks.Tasks {
		if tk.StopCode == types.TaskStopCodeTaskFailedToStart && strings.HasPrefix(*tk.StoppedReason, "CannotPullContainerError") && tk.StoppedAt != nil {
			pull++
		}
	}
	if pull < 3 {
		t.Fatalf("%d tasks stopped with CannotPullContainerError, want >= 3", pull)
	}
	rb := ok(c.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{*up.Service.CurrentServiceDeployment, "arn:aws:ecs:us-east-1:123456789012:service-deployment/c1/web/nope"}}))
	if rb.ServiceDeployments[0].Status != types.ServiceDeploymentStatusRollbackSuccessful || len(rb.Failures) != 1 {
		t.Fatalf("rollback deployment %s, failures %+v", rb.ServiceDeployments[0].Status, rb.Failures)
	}
	// the revision the rollback returned to, as DescribeServiceRevisions shows it
	revs := ok(c.DescribeServiceRevisions(ctx, &ecs.DescribeServiceRevisionsInput{ServiceRevisionArns: []string{
		*rb.ServiceDeployments[0].Rollback.ServiceRevisionArn, "arn:aws:ecs:us-east-1:123456789012:service-revision/c1/web/1"}}))
	if len(revs.ServiceRevisions) != 1 || *revs.ServiceRevisions[0].TaskDefinition != v2 || *revs.ServiceRevisions[0].ContainerImages[0].Image != "app:v2" ||
		revs.ServiceRevisions[0].NetworkConfiguration == nil || len(revs.Failures) != 1 || *revs.Failures[0].Reason != "MISSING" {
		t.Fatalf("service revisions over HTTP: %+v, failures %+v", revs.ServiceRevisions, revs.Failures)
	}

	// modelled errors keep their type across the wire
	_, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{"web"}})
	var cnf *types.ClusterNotFoundException
	if !errors.As(err, &cnf) {
		t.Fatalf("unknown cluster: %v, want ClusterNotFoundException", err)
	}
	// tags of the simulator's resources
	ok(c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: svc.ServiceArn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}))
	tags := ok(c.ListTagsForResource(ctx, &ecs.ListTagsForResourceInput{ResourceArn: aws.String(v1)}))
	stags := ok(c.ListTagsForResource(ctx, &ecs.ListTagsForResourceInput{ResourceArn: svc.ServiceArn}))
	if len(tags.Tags) != 1 || *tags.Tags[0].Value != "web" || len(stags.Tags) != 1 || *stags.Tags[0].Value != "dev" {
		t.Fatalf("tags: task definition %v, service %v", tags.Tags, stags.Tags)
	}
	// operations the simulator does not own go to the fallback
	ok(c.ListAccountSettings(ctx, &ecs.ListAccountSettingsInput{}))
	if len(fb.targets) != 1 || fb.targets[0] != TargetPrefix+"ListAccountSettings" {
		t.Fatalf("fallback not used: targets %v", fb.targets)
	}
}

func TestHandlerThrottling(t *testing.T) {
	t.Parallel()
	sim := New(NewFakeClock(t0))
	srv := httptest.NewServer(NewHandler(sim, nil))
	defer srv.Close()
	ctx := context.Background()
	ok(newClient(srv.URL, 1).CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1")}))

	sim.Throttle("DescribeClusters", 1)
	_, err := newClient(srv.URL, 1).DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"c1"}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || ae.ErrorMessage() != "Rate exceeded" {
		t.Fatalf("err %v, want ThrottlingException", err)
	}
	// the SDK's standard retryer treats it as a throttle and retries through
	sim.Throttle("DescribeClusters", 2)
	out := ok(newClient(srv.URL, 3).DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"c1"}}))
	if len(out.Clusters) != 1 || sim.Calls()["DescribeClusters"] != 4 {
		t.Fatalf("clusters %d, calls %v; want 1 cluster after 1+3 calls", len(out.Clusters), sim.Calls())
	}
	// without a fallback, unknown operations are refused
	_, err = newClient(srv.URL, 1).RunTask(ctx, &ecs.RunTaskInput{TaskDefinition: aws.String("x")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnknownOperationException" {
		t.Fatalf("RunTask without fallback: %v", err)
	}
}

func TestHandlerRealTime(t *testing.T) {
	t.Parallel()
	sim := New(NewFakeClock(t0))
	wall := t0
	var mu sync.Mutex
	h := NewHandler(sim, nil, WithRealTime(20), withWallClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }))
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := newClient(srv.URL, 1)
	ctx := context.Background()
	wait := func(d time.Duration) {
		mu.Lock()
		wall = wall.Add(d)
		mu.Unlock()
	}
	ok(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1")}))
	wait(10 * time.Second)
	ok(c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("app"), ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("a"), Image: aws.String("a:1")}}}))
	if got := sim.Now().Sub(t0); got != 10*time.Second {
		t.Fatalf("idle: simulated time moved %s for 10s of wall time, want 10s", got)
	}
	ok(c.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("c1"), ServiceName: aws.String("s"), TaskDefinition: aws.String("app"), DesiredCount: aws.Int32(1)}))
	wait(2 * time.Second)
	ok(c.ListClusters(ctx, &ecs.ListClustersInput{}))
	if got := sim.Now().Sub(t0); got != 50*time.Second {
		t.Fatalf("busy: simulated time at +%s after 10s idle and 2s busy at 20x, want +50s", got)
	}
	svc := ok(c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("c1"), Services: []string{"s"}})).Services[0]
	if svc.RunningCount != 1 {
		t.Fatalf("running %d, want the task up after 40 simulated seconds", svc.RunningCount)
	}
	// idle again: the clock waits for the wall clock to catch up
	wait(20 * time.Second) // wall +32s, simulated +50s
	ok(c.ListClusters(ctx, &ecs.ListClustersInput{}))
	if got := sim.Now().Sub(t0); got != 50*time.Second {
		t.Fatalf("idle ahead of the wall clock: simulated +%s, want it to stay at +50s", got)
	}
	wait(28 * time.Second) // wall +60s
	ok(c.ListClusters(ctx, &ecs.ListClustersInput{}))
	if got := sim.Now().Sub(t0); got != 60*time.Second {
		t.Fatalf("idle behind the wall clock: simulated +%s, want +60s", got)
	}
}
