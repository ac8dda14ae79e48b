// Command demo is `make demo`: it starts the local sandbox (moto, an OCI
// registry and the ECS rollout simulator), seeds the example Open WebUI
// stack, and runs the ecsflow pipeline against it with the real action
// binaries (from $ECSFLOW_BIN_DIR or bin/, as `make build` writes them):
// validate the example Terraform, build and push the three images, deploy
// them in waves, deploy a broken image and watch the automatic rollback,
// detect drift made behind Terraform's back, and check the services with
// rollback's check mode. Each step prints what it does, the action's own
// output and its exit code; a table at the end sums up. Actions that are not
// built yet are reported as such and skipped.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Stdout, os.Getenv))
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) int {
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(out, "error: "+err.Error())
		return 2
	}
	binDir := getenv("ECSFLOW_BIN_DIR")
	if binDir == "" {
		binDir = filepath.Join(root, "bin")
	}
	d := &demo{out: out, root: root, binDir: binDir, verbose: getenv("ECSFLOW_DEMO_VERBOSE") != ""}
	code := d.run(ctx)
	return code
}

// repoRoot finds the directory with go.mod above the working directory.
func repoRoot() (string, error) {
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
			return "", errors.New("run the demo inside the ecsflow repository (go.mod not found)")
		}
		dir = parent
	}
}

// lines limits how much of an action's output a section shows.
func lines(s string, max int) []string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) == 1 && all[0] == "" {
		return nil
	}
	if max > 0 && len(all) > max {
		rest := len(all) - max
		all = append(all[:max], fmt.Sprintf("… %d more lines (ECSFLOW_DEMO_VERBOSE=1 shows everything)", rest))
	}
	return all
}

func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }
