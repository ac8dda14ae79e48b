package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
)

// failureImage is an image tag that misbehaves on the sandbox's ECS, so a
// team rehearses a failing deployment from the CLI or under act by pushing
// or naming an image with that tag. The README lists the same tags.
type failureImage struct {
	tag   string
	does  string
	fault ecssim.Fault
}

// failureImages are the tags every `up` sandbox knows, matched in any
// repository ("*:broken" matches 127.0.0.1:5000/team/api:broken). Times
// are ECS time: the simulator runs --ecs-speed times faster.
var failureImages = []failureImage{
	{"broken", "the image pull fails (CannotPullContainerError), as for a tag never pushed",
		ecssim.Fault{Kind: ecssim.FaultImagePull}},
	{"pullfail", "the same pull failure, named for what it does",
		ecssim.Fault{Kind: ecssim.FaultImagePull}},
	{"flaky", "the first two tasks fail to pull, later ones start: ECS retries and the deployment completes",
		ecssim.Fault{Kind: ecssim.FaultImagePull, Count: 2}},
	{"crash", "the essential container exits with code 1 after 30 s running",
		ecssim.Fault{Kind: ecssim.FaultExit, ExitCode: 1, After: 30 * time.Second}},
	{"oom", "the essential container is killed (exit 137) after 20 s running",
		ecssim.Fault{Kind: ecssim.FaultExit, ExitCode: 137, After: 20 * time.Second, Reason: "OutOfMemoryError: Container killed due to memory usage"}},
	{"unhealthy", "tasks start but fail their health check and are replaced",
		ecssim.Fault{Kind: ecssim.FaultUnhealthy}},
	{"slow", "tasks take 5 minutes longer to start, then run normally (exercises timeouts and waits)",
		ecssim.Fault{Kind: ecssim.FaultSlowStart, After: 5 * time.Minute}},
	{"errors5pct", "tasks pass their health checks but answer 5 % of requests with 5xx (above the anomaly band after the rollout)",
		ecssim.Fault{Kind: ecssim.FaultErrors, ErrorRate: 0.05}},
	{"slowleak", "tasks pass their health checks but respond 20 ms slower for every minute they run",
		ecssim.Fault{Kind: ecssim.FaultLatencyLeak, LatencyGrowth: 20 * time.Millisecond}},
	{"flapping", "tasks pass their health checks, then exit (code 1) after 3 minutes running and are replaced, again and again",
		ecssim.Fault{Kind: ecssim.FaultExit, ExitCode: 1, After: 3 * time.Minute}},
}

// injectFailureImages arms every failure image in sim.
func injectFailureImages(sim *ecssim.Sim) {
	for _, f := range failureImages {
		fault := f.fault
		fault.Image = "*:" + f.tag
		sim.InjectFault(fault)
	}
}

// printFailureImages lists the failure images for the person at the shell.
func printFailureImages(w io.Writer) {
	fmt.Fprintln(w, "sandbox: failure images (any repository, this tag):")
	for _, f := range failureImages {
		fmt.Fprintf(w, "  :%-10s %s\n", f.tag, f.does)
	}
}
