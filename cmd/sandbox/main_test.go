package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestUpWritesTheEnvironmentAndStopsCleanly(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), ".sandbox")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"up", "--dir", dir, "--region", "eu-west-1", "--task-definitions", "../../examples/open-webui/task-definitions"}, &stdout, &stderr)
	}()

	envFile := filepath.Join(dir, "env")
	waitForFile(t, envFile, done, &stderr)
	b, err := os.ReadFile(envFile)
	require.NoError(t, err)
	env := string(b)
	assert.Equal(t, env, stdout.String(), "stdout has the same export lines")
	var endpoint string
	for _, l := range strings.Split(strings.TrimSpace(env), "\n") {
		require.True(t, strings.HasPrefix(l, "export ") || strings.HasPrefix(l, "unset "), l)
		if v, ok := strings.CutPrefix(l, "export AWS_ENDPOINT_URL="); ok {
			endpoint = v
		}
	}
	require.NotEmpty(t, endpoint)
	assert.Contains(t, env, "export AWS_REGION=eu-west-1\n", "--region sets the region")
	assert.Contains(t, env, "unset AWS_PROFILE\n")
	assert.NotContains(t, env, "=''", "an empty AWS_PROFILE breaks the AWS CLI and boto3")
	assert.Contains(t, env, "export ECSFLOW_REGISTRY=127.0.0.1:")
	assert.Contains(t, stderr.String(), "seeded cluster ecsflow-dev")
	assert.Contains(t, stderr.String(), "in eu-west-1")
	assertFailureImagePullFails(t, endpoint, "eu-west-1")
	pid, err := os.ReadFile(filepath.Join(dir, "pid"))
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(os.Getpid()), strings.TrimSpace(string(pid)))

	resp, err := http.Post(endpoint+"/moto-api/reset", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// A second up in the same directory refuses to start.
	var errb bytes.Buffer
	assert.Equal(t, 1, run(context.Background(), []string{"up", "--dir", dir}, &bytes.Buffer{}, &errb))
	assert.Contains(t, errb.String(), "a sandbox is already running")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("up did not stop")
	}
	_, err = os.Stat(envFile)
	assert.True(t, os.IsNotExist(err), "env file removed")
	_, err = http.Post(endpoint+"/moto-api/reset", "", nil)
	assert.Error(t, err, "the endpoint is gone")
}

// waitForFile waits until up has written path, failing when up exits first.
func waitForFile(t *testing.T, path string, done <-chan int, stderr *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case code := <-done:
			t.Fatalf("up exited %d early: %s", code, stderr.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "no %s after 60s: %s", path, stderr.String())
		time.Sleep(50 * time.Millisecond)
	}
}

// up --stack seeds a team's own Terraform stack in its region and lists
// what it did not create.
func TestUpSeedsYourOwnStack(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), ".sandbox")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"up", "--dir", dir, "--stack", "../../examples/shop/infra", "--var-file", "envs/dev.tfvars", "--region", "eu-west-1"}, &stdout, &stderr)
	}()
	waitForFile(t, filepath.Join(dir, "env"), done, &stderr)
	out := stderr.String()
	assert.Contains(t, out, "seeded stack ../../examples/shop/infra: cluster shop-dev with api, worker in eu-west-1; state at s3://shop-terraform-state/shop/dev/terraform.tfstate")
	assert.Contains(t, out, "not seeded: aws_sqs_queue.jobs: type aws_sqs_queue is not seeded")
	assert.Contains(t, out, "stand in for: aws_vpc.main, aws_subnet.public, aws_subnet.private, aws_security_group.lb, aws_security_group.app, aws_iam_role.execution")
	assert.Contains(t, stdout.String(), "export AWS_REGION=eu-west-1\n")
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("up did not stop")
	}
}

// A stack that cannot be read is a usage error, before anything starts.
func TestUpRefusesAStackItCannotRead(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no such directory", []string{"--stack", "no/such/infra"}, "stack no/such/infra: not a directory"},
		{"backend without bucket", []string{"--stack", "../../examples/open-webui/terraform"}, "names no bucket and key"},
		{"missing var file", []string{"--stack", "../../examples/shop/infra", "--var-file", "envs/qa.tfvars"}, "envs/qa.tfvars"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), ".sandbox")
			var errb bytes.Buffer
			args := append([]string{"up", "--dir", dir}, tc.args...)
			assert.Equal(t, 2, run(context.Background(), args, &bytes.Buffer{}, &errb))
			assert.Contains(t, errb.String(), tc.want)
			_, err := os.Stat(dir)
			assert.True(t, os.IsNotExist(err), "nothing started")
		})
	}
}

func TestDownSignalsTheRunningSandbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var errb bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"down", "--dir", dir}, &bytes.Buffer{}, &errb))
	assert.Contains(t, errb.String(), "not running")

	// A stand-in for `up`: any process that exits on SIGTERM.
	cmd := exec.Command("sleep", "60")
	require.NoError(t, cmd.Start())
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644))
	errb.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{"down", "--dir", dir}, &bytes.Buffer{}, &errb), errb.String())
	assert.Contains(t, errb.String(), "stopped")
	<-waited

	errb.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{"down", "--dir", dir}, &bytes.Buffer{}, &errb))
	assert.Contains(t, errb.String(), "stale pid file")
}

func TestUsage(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), nil, &out, &errb))
	assert.Contains(t, errb.String(), "usage: sandbox <command>")
	errb.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"upp"}, &out, &errb))
	assert.Contains(t, errb.String(), `unknown command "upp"`)
	errb.Reset()
	assert.Equal(t, 1, run(context.Background(), []string{"env", "--dir", t.TempDir()}, &out, &errb))
	assert.Contains(t, errb.String(), "no sandbox is running here")
}
