package ecssim

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Image patterns span the whole reference: '*' crosses the '/' of a
// registry host and repository path, unlike path.Match.
func TestMatchImage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pattern, image string
		want           bool
	}{
		{"*:broken", "127.0.0.1:5000/ecsflow/open-webui:broken", true},
		{"*:broken", "host/ns/app:broken", true},
		{"*:broken", "app:broken", true},
		{"*:broken", "host/ns/app:v2", false},
		{"*/app:*", "host/ns/app:v2", true},
		{"*/app:*", "host/ns/other:v2", false},
		{"host/*", "host/ns/app:v2", true},
		{"app:v?", "app:v2", true},
		{"app:v?", "app:v10", false},
		{"app:v[0-9]", "app:v7", true},
		{"app:v[!0-9]", "app:v7", false},
		{"app:v[!0-9]", "app:vx", true},
		{"*", "any/thing:at@sha256:00", true},
		{"app.io/x:1", "appXio/x:1", false}, // '.' is literal
		{`app:\*`, "app:*", true},
		{`app:\*`, "app:v1", false},
		{"app:[", "app:[", true},  // malformed: matches itself only
		{"app:[", "app:x", false}, // and nothing else
		{"app:v2", "app:v2", true},
		{"app:v2", "registry/app:v2", false}, // no implicit prefix
	} {
		if got := matchImage(c.pattern, c.image); got != c.want {
			t.Errorf("matchImage(%q, %q) = %v, want %v", c.pattern, c.image, got, c.want)
		}
	}
}

// An image-pull fault given as "*:broken" fails the tasks of a deployment
// whose image lives under a registry host and namespace.
func TestFaultImageMatchesAcrossSlashes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.sim.InjectFault(Fault{Kind: FaultImagePull, Image: "*:broken"})
	f.deploy("127.0.0.1:5000/ns/app:broken", nil)
	f.sim.Advance(26 * time.Second) // provisioning 10s + pull 15s, then the pull fails
	tasks := f.stoppedTasks()
	if len(tasks) == 0 {
		t.Fatal("no task stopped: the fault did not match the namespaced image")
	}
	for _, tk := range tasks {
		if tk.StopCode != types.TaskStopCodeTaskFailedToStart || !strings.HasPrefix(deref(tk.Containers[0].Reason), "CannotPullContainerError") {
			t.Errorf("task stopped with %s %q, want a failed pull", tk.StopCode, deref(tk.Containers[0].Reason))
		}
	}
}
