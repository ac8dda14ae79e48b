// Command sandbox runs the local AWS sandbox (moto, an OCI registry and the
// ECS rollout simulator behind one endpoint) for a developer's shell:
//
//	go run ./cmd/sandbox up            # start, seed the example stack, keep running
//	go run ./cmd/sandbox up --stack infra --region eu-west-1   # seed your own Terraform stack instead
//	eval "$(cat .sandbox/env)"         # in another shell: point AWS tools at it
//	go run ./cmd/sandbox down          # stop it
//
// up prints `export KEY=value` (and `unset KEY`) lines on stdout (so `eval "$(... up &)"` style
// use works) and writes the same lines to the env file; progress goes to
// stderr. It runs until interrupted or until down signals it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: sandbox <command> [flags]

commands:
  up     start the sandbox, seed the example stack (or your own with
         --stack <terraform dir>), print and write the environment, and
         keep running until interrupted or "down"
  down   stop the sandbox started by "up" in this directory
  env    print the environment of the running sandbox

run "sandbox <command> -h" for the flags of a command
`

// run runs one command; up runs until ctx ends (Ctrl-C, SIGTERM, down).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "up":
		err = up(ctx, args[1:], stdout, stderr)
	case "down":
		err = down(args[1:], stderr)
	case "env":
		err = printEnv(args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "error: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "error: "+err.Error())
			return 2
		}
		fmt.Fprintln(stderr, "error: "+err.Error())
		return 1
	}
	return 0
}

type usageError struct{ error }

func stateDir(fs *flag.FlagSet) *string {
	return fs.String("dir", ".sandbox", "directory for the env file, the pid file and the sandbox's data")
}

func up(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := stateDir(fs)
	port := fs.Int("port", 0, "port of the AWS endpoint (0 picks a free one)")
	regPort := fs.Int("registry-port", 0, "port of the OCI registry (0 picks a free one)")
	seed := fs.Bool("seed", true, "create the example stack (ECS cluster, services, ALB, ECR, alarms, state bucket, tables)")
	taskDefs := fs.String("task-definitions", "examples/open-webui/task-definitions", "directory of <service>.json task definitions used by the seed")
	verbose := fs.Bool("v", false, "show moto's and the registry's output")
	speed := fs.Float64("ecs-speed", sandbox.DefaultECSSpeed, "how much faster than real time ECS deployments progress")
	region := fs.String("region", sandbox.DefaultRegion, "AWS region of the sandbox: AWS_REGION in the env file and the region the stack is seeded in")
	failures := fs.Bool("failure-images", true, "make images tagged :broken, :pullfail, :flaky, :crash, :oom, :unhealthy, :slow, :errors5pct, :slowleak or :flapping misbehave on ECS (see the README)")
	so := stackFlags(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	so.Region = *region
	if so.Dir != "" {
		// Read the stack before anything starts: a wrong path or backend is
		// a usage error.
		if _, err := sandbox.ReadStack(*so); err != nil {
			return usageError{err}
		}
	}
	pidFile := filepath.Join(*dir, "pid")
	if pid, err := readPid(pidFile); err == nil && processAlive(pid) {
		return fmt.Errorf("a sandbox is already running (pid %d); stop it with: go run ./cmd/sandbox down", pid)
	}
	o := sandbox.Options{Port: *port, RegistryPort: *regPort, Dir: filepath.Join(*dir, "data"), ECSSpeed: *speed, Region: *region}
	if *verbose {
		o.Log = stderr
	}
	_ = os.RemoveAll(o.Dir) // a previous run's registry data; moto's state is gone anyway
	start := time.Now()
	sb, err := sandbox.Start(ctx, o)
	if err != nil {
		return err
	}
	defer sb.Stop()
	fmt.Fprintf(stderr, "sandbox: AWS endpoint %s (moto%s), registry %s (%s), up in %s\n",
		sb.Endpoint, simNote(sb), sb.RegistryHost, sb.RegistryKind, time.Since(start).Round(time.Millisecond))
	if *seed {
		if err := seedStack(ctx, sb, *so, *taskDefs, stderr); err != nil {
			return err
		}
	}
	if sim := sb.ECS(*region); sim != nil && *failures {
		injectFailureImages(sim)
		printFailureImages(stderr)
	}
	b := envLines(sb.Env())
	envFile := filepath.Join(*dir, "env")
	if err := os.WriteFile(envFile, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("failed to write %s: %w", envFile, err)
	}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("failed to write %s: %w", pidFile, err)
	}
	defer os.Remove(pidFile)
	defer os.Remove(envFile)
	fmt.Fprint(stdout, b.String())
	fmt.Fprintf(stderr, "sandbox: environment written to %s (eval \"$(cat %s)\"); stop with Ctrl-C or: go run ./cmd/sandbox down\n", envFile, envFile)
	<-ctx.Done()
	fmt.Fprintln(stderr, "sandbox: stopping")
	return nil
}

// stackFlags declares the flags that seed a team's own stack.
func stackFlags(fs *flag.FlagSet) *sandbox.StackOptions {
	so := &sandbox.StackOptions{}
	fs.StringVar(&so.Dir, "stack", "", "Terraform root module of your own stack: seed it instead of the example stack")
	fs.Func("var-file", "with --stack: a variables file, relative to the stack (repeat for more)", func(v string) error {
		so.VarFiles = append(so.VarFiles, v)
		return nil
	})
	fs.StringVar(&so.BackendConfig, "backend-config", "", "with --stack: a backend config file (bucket, key), relative to the stack")
	fs.StringVar(&so.LedgerTable, "ledger-table", "", "with --stack: also create this DynamoDB table as deploy-ecs's ledger")
	return so
}

// seedStack seeds the example stack, or the stack so names, and says what
// it created and what it did not.
func seedStack(ctx context.Context, sb *sandbox.Sandbox, so sandbox.StackOptions, taskDefs string, stderr io.Writer) error {
	if so.Dir == "" {
		st, err := sb.Seed(ctx, sandbox.SeedOptions{TaskDefinitionsDir: taskDefs})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "sandbox: seeded cluster %s with %s in %s\n", st.Cluster, strings.Join(sandbox.ServiceNames, ", "), st.Region)
		return nil
	}
	st, err := sb.SeedStack(ctx, so)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "sandbox: %s\n", stackSummary(so.Dir, st))
	if len(st.Plan.StoodIn) > 0 {
		fmt.Fprintf(stderr, "sandbox: one sandbox VPC, security group and execution role stand in for: %s\n", strings.Join(st.Plan.StoodIn, ", "))
	}
	for _, u := range st.Plan.Unsupported {
		fmt.Fprintf(stderr, "sandbox: not seeded: %s\n", u)
	}
	return nil
}

// stackSummary says what SeedStack created: each cluster with its
// services, the region and where the state is.
func stackSummary(dir string, st *sandbox.Stack) string {
	var clusters []string
	byCluster := map[string][]string{}
	for _, s := range st.Services {
		c := clusterOf(s.ARN)
		if c == "" {
			c = st.Cluster
		}
		if _, ok := byCluster[c]; !ok {
			clusters = append(clusters, c)
		}
		byCluster[c] = append(byCluster[c], s.Name)
	}
	what := "cluster"
	if len(clusters) > 1 {
		what = "clusters"
	}
	if len(clusters) == 0 {
		clusters = []string{st.Cluster}
	}
	parts := make([]string, len(clusters))
	for i, c := range clusters {
		parts[i] = c + " with " + strings.Join(byCluster[c], ", ")
	}
	return fmt.Sprintf("seeded stack %s: %s %s in %s; state at s3://%s/%s",
		dir, what, strings.Join(parts, ", "), st.Region, st.StateBucket, st.StateKey)
}

// clusterOf is the cluster name in a service ARN
// (arn:aws:ecs:<region>:<account>:service/<cluster>/<service>), or "".
func clusterOf(serviceARN string) string {
	_, rest, ok := strings.Cut(serviceARN, ":service/")
	if !ok {
		return ""
	}
	cluster, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return cluster
}

// envLines renders the sandbox's environment for a POSIX shell. A variable
// the sandbox must clear (a developer's AWS_PROFILE, a stale session token)
// is unset: exported empty, AWS_PROFILE=” makes the AWS CLI and boto3 look
// for a profile named "" and fail.
func envLines(env []string) *strings.Builder {
	var b strings.Builder
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if v == "" {
			fmt.Fprintf(&b, "unset %s\n", k)
			continue
		}
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
	}
	return &b
}

func simNote(sb *sandbox.Sandbox) string {
	if sb.ECSSimulated {
		return " + ECS rollout simulator"
	}
	return ""
}

// shellQuote quotes v for a POSIX shell when it needs it.
func shellQuote(v string) string {
	if v != "" && strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,", r))
	}) < 0 {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

func down(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("down", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := stateDir(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	pidFile := filepath.Join(*dir, "pid")
	pid, err := readPid(pidFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(stderr, "sandbox: not running")
			return nil
		}
		return err
	}
	if !processAlive(pid) {
		_ = os.Remove(pidFile)
		fmt.Fprintln(stderr, "sandbox: not running (removed a stale pid file)")
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("failed to signal the sandbox (pid %d): %w", pid, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the sandbox (pid %d) did not stop within 15s; kill it with: kill -9 %d", pid, pid)
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintln(stderr, "sandbox: stopped")
	return nil
}

func printEnv(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	dir := stateDir(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	b, err := os.ReadFile(filepath.Join(*dir, "env"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errors.New("no sandbox is running here; start one with: go run ./cmd/sandbox up")
		}
		return err
	}
	_, err = stdout.Write(b)
	return err
}

func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("%s does not hold a process id; delete it", path)
	}
	return pid, nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
