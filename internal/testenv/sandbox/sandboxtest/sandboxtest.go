// Package sandboxtest gives tests one local AWS sandbox per test binary.
//
// Any test that needs moto, the local registry or the ECS simulator calls
// Start (or Seeded for the example stack); the first call starts the
// sandbox, later calls share it. Add a TestMain so the sandbox stops when
// the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }
//
// Without TestMain the children still die with the test binary (Linux
// parent-death signal), but Main also removes the temporary directory.
//
// moto keeps state per region, and tests in one binary share it: a test
// that changes the example stack should seed its own region with
// SeededRegion, or use names no other test uses. When moto_server is not
// installed the test fails (it is not skipped) with the command that
// installs it. Set ECSFLOW_SANDBOX_LOG=1 to see moto's and the registry's
// output on stderr, and ECSFLOW_SANDBOX_ECS_SPEED to run ECS deployments
// faster or slower than sandbox.DefaultECSSpeed times real time.
package sandboxtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
)

var (
	mu      sync.Mutex
	started bool
	shared  *sandbox.Sandbox
	errRun  error
	stacks  = map[string]*stackOnce{}
)

type stackOnce struct {
	once  sync.Once
	stack *sandbox.Stack
	err   error
}

// Start returns the test binary's sandbox, starting it on first use. It
// fails the test when the sandbox cannot start.
func Start(t testing.TB) *sandbox.Sandbox {
	t.Helper()
	sb, err := get()
	if err != nil {
		if errors.Is(err, sandbox.ErrMotoMissing) {
			t.Fatalf("sandboxtest: %v (moto 5.x with its server extras; the ecsflow tests need it, see .ci/run)", err)
		}
		t.Fatalf("sandboxtest: failed to start the local AWS sandbox: %v", err)
	}
	return sb
}

func get() (*sandbox.Sandbox, error) {
	mu.Lock()
	defer mu.Unlock()
	if !started {
		started = true
		o := sandbox.Options{}
		if os.Getenv("ECSFLOW_SANDBOX_LOG") != "" {
			o.Log = os.Stderr
		}
		if v := os.Getenv("ECSFLOW_SANDBOX_ECS_SPEED"); v != "" {
			speed, err := strconv.ParseFloat(v, 64)
			if err != nil || speed <= 0 {
				errRun = fmt.Errorf("ECSFLOW_SANDBOX_ECS_SPEED=%q is not a positive number", v)
				return nil, errRun
			}
			o.ECSSpeed = speed
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		shared, errRun = sandbox.Start(ctx, o)
	}
	return shared, errRun
}

// Seeded returns the sandbox with the example stack seeded (once per test
// binary) in the default region, us-east-1. Treat that stack as read-only
// or use SeededRegion.
func Seeded(t testing.TB) (*sandbox.Sandbox, *sandbox.Stack) {
	t.Helper()
	return SeededRegion(t, sandbox.DefaultRegion)
}

// SeededRegion returns the sandbox with the example stack seeded (once per
// test binary and region) in region. A test that changes the stack picks a
// region of its own, so parallel tests do not see each other's changes.
// Remember to set the region of any client or action to the stack's region.
func SeededRegion(t testing.TB, region string) (*sandbox.Sandbox, *sandbox.Stack) {
	t.Helper()
	sb := Start(t)
	mu.Lock()
	so, ok := stacks[region]
	if !ok {
		so = &stackOnce{}
		stacks[region] = so
	}
	mu.Unlock()
	so.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		so.stack, so.err = sb.Seed(ctx, sandbox.SeedOptions{Region: region, TaskDefinitionsDir: TaskDefinitionsDir()})
	})
	if so.err != nil {
		t.Fatalf("sandboxtest: failed to seed the example stack in %s: %v", region, so.err)
	}
	return sb, so.stack
}

// Config returns an AWS SDK configuration pointed at the sandbox in region
// (empty means us-east-1).
func Config(t testing.TB, region string) aws.Config {
	t.Helper()
	cfg := Start(t).AWSConfig(context.Background())
	if region != "" {
		cfg.Region = region
	}
	return cfg
}

// Main runs the tests and then stops the sandbox if one was started and
// runs the functions given to AtExit. Use it from TestMain:
// os.Exit(sandboxtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	mu.Lock()
	fns := atExit
	atExit = nil
	mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
	return code
}

var atExit []func()

// AtExit registers fn to run when Main returns (last registered, first
// run): for resources shared by a whole test binary, such as built
// binaries.
func AtExit(fn func()) {
	mu.Lock()
	atExit = append(atExit, fn)
	mu.Unlock()
}

// Stop stops the shared sandbox (Main calls it).
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		_ = shared.Stop()
	}
}

// TaskDefinitionsDir returns examples/open-webui/task-definitions of the
// repository the tests run in, or "" when it cannot be found (the seed then
// uses its built-in definitions).
func TaskDefinitionsDir() string {
	root, err := RepoRoot()
	if err != nil {
		return ""
	}
	return filepath.Join(root, "examples", "open-webui", "task-definitions")
}

// RepoRoot returns the directory holding go.mod, searching upwards from the
// working directory (a test runs in its package directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
