package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// SIGTERM mid-deploy, as a runner sends it when a job is cancelled: the
// real deploy-ecs binary, talking to the sandbox, stops the deployment it
// started with a native rollback, says so, records it in the ledger,
// releases the lock and exits 1 (a failed deployment).
func TestDeployEcsSIGTERMMidDeployRollsBack(t *testing.T) {
	t.Parallel()
	if !e2e.Built(t, "deploy-ecs") {
		t.Fatal("actions/deploy-ecs/main.go is missing")
	}
	const region, cluster, service = "ap-southeast-2", "sigterm", "web"
	sb := sandboxtest.Start(t)
	ctx := context.Background()
	cfg := sandboxtest.Config(t, region)
	api := ecs.NewFromConfig(cfg)
	prev := sigtermService(t, api, cluster, service)

	db := dynamodb.NewFromConfig(cfg)
	table := fmt.Sprintf("sigterm-ledger-%d", time.Now().UnixNano())
	_, err := db.CreateTable(ctx, ledger.CreateTableInput(table))
	require.NoError(t, err)

	dir := t.TempDir()
	outFile, sumFile := filepath.Join(dir, "out"), filepath.Join(dir, "summary")
	cmd := exec.Command(filepath.Join(e2e.BinDir(t), "ecsflow-deploy-ecs"))
	cmd.Env = append(os.Environ(), sb.Env()...)
	cmd.Env = append(cmd.Env, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region,
		"GITHUB_ACTIONS=true", "GITHUB_OUTPUT="+outFile, "GITHUB_STEP_SUMMARY="+sumFile,
		"INPUT_CLUSTER="+cluster, "INPUT_SERVICE="+service, "INPUT_CONTAINER-NAME=app", "INPUT_IMAGE=web:v2",
		"INPUT_LEDGER-TABLE="+table, "INPUT_TIMEOUT=20m")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var mu sync.Mutex
	var log strings.Builder
	started := make(chan struct{})
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "deployment started") {
				once.Do(func() { close(started) })
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("deploy-ecs never started the deployment")
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	sent := time.Now()
	done := make(chan error, 1)
	go func() { <-scanned; done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second): // a hang guard, not a speed goal: the runner kills the step ~10 s after SIGTERM
		_ = cmd.Process.Kill()
		t.Fatal("deploy-ecs did not exit within 30 s of SIGTERM")
	}
	t.Logf("deploy-ecs exited %s after SIGTERM", time.Since(sent).Round(time.Millisecond))
	mu.Lock()
	out := log.String()
	mu.Unlock()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, out)
	require.Equal(t, 1, ee.ExitCode(), "a cancelled deployment is a failed one (exit 1)\n%s", out)
	require.Contains(t, out, "rollback started: ECS native rollback to web:1", out)
	require.Contains(t, out, "cancelled: rollback to web:1 was started", out)
	require.Contains(t, out, "::error::deployment failed: web failed: cancelled while the deployment was in progress", out)
	outputs, err := os.ReadFile(outFile)
	require.NoError(t, err)
	require.Contains(t, string(outputs), "\nfailed\n", "status output")

	require.Equal(t, 1, sb.ECS(region).Calls()["StopServiceDeployment"], "the deployment was stopped with StopServiceDeployment ROLLBACK")
	steadyOnPrevious(t, api, cluster, service, prev)
	l := &ledger.Ledger{DB: db, Table: table}
	hist, err := l.History(ctx, cluster, service, 0)
	require.NoError(t, err)
	require.Len(t, hist, 1)
	require.Equal(t, "failed", hist[0].Outcome)
	require.Equal(t, prev, hist[0].Previous)
	require.Contains(t, hist[0].Reason, "cancelled while the deployment was in progress")
	lk, err := l.Acquire(ctx, cluster, service, "checker", 0)
	require.NoError(t, err, "the lock was released")
	require.NoError(t, lk.Release(ctx))
}

// sigtermService creates a steady service of two tasks on the sandbox's
// ECS simulator and returns its revision.
func sigtermService(t *testing.T, api *ecs.Client, cluster, service string) string {
	ctx := context.Background()
	_, err := api.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(cluster)})
	require.NoError(t, err)
	td, err := api.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(service), Cpu: aws.String("256"), Memory: aws.String("512"), NetworkMode: types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("web:v1"), Essential: aws.Bool(true),
			Memory: aws.Int32(512), PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}}}},
	})
	require.NoError(t, err)
	prev := aws.ToString(td.TaskDefinition.TaskDefinitionArn)
	_, err = api.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(cluster), ServiceName: aws.String(service),
		TaskDefinition: aws.String(prev), DesiredCount: aws.Int32(2), LaunchType: types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
			Subnets: []string{"subnet-0123456789abcdef0"}, SecurityGroups: []string{"sg-0123456789abcdef0"}}},
	})
	require.NoError(t, err)
	steadyOnPrevious(t, api, cluster, service, prev)
	return prev
}

// steadyOnPrevious waits (on the simulator's clock, which runs faster than
// real time) until the service runs only revision td at full size.
func steadyOnPrevious(t *testing.T, api *ecs.Client, cluster, service, td string) {
	t.Helper()
	var last string
	for i := 0; i < 300; i++ {
		out, err := api.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
		if err == nil && len(out.Services) == 1 {
			s := out.Services[0]
			last = fmt.Sprintf("%s with %d deployments, %d of %d running", aws.ToString(s.TaskDefinition), len(s.Deployments), s.RunningCount, s.DesiredCount)
			if aws.ToString(s.TaskDefinition) == td && len(s.Deployments) == 1 && s.RunningCount == s.DesiredCount {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("service %s is not steady on %s: %s", service, td, last)
}
