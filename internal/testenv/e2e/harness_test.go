package e2e_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
)

// The harness runs a workflow through act, with the sandbox's variables,
// secrets, inputs and the event payload, and reads back outputs, the
// summary and annotations.
func TestHarnessRunsAWorkflowWithTheSandbox(t *testing.T) {
	t.Parallel()
	r := e2e.Run(t, e2e.Workflow{
		File:    "testdata/harness-probe.yml",
		Event:   "workflow_dispatch",
		Inputs:  map[string]string{"who": "ecsflow"},
		Secrets: map[string]string{"PROBE_TOKEN": "s3cr3t-probe-token"},
		Payload: map[string]any{"number": 42},
		Region:  "eu-west-1",
	})
	r.RequireSuccess(t)
	sb := e2e.Sandbox(t)
	assert.Equal(t, "success", r.Jobs["probe"])
	assert.Equal(t, "hello ecsflow", r.Output("greet", "greeting"))
	assert.Equal(t, "hello ecsflow", r.Output("greet/run", "greeting"), "inner steps of the composite action are visible too")
	assert.Equal(t, sb.Endpoint, r.Output("greet", "endpoint"))
	assert.Equal(t, e2e.BinDir(t), r.Output("greet", "bin-dir"))
	assert.Equal(t, "hello ecsflow", r.Output("after", "seen"))
	assert.Equal(t, "42", r.Output("after", "event-number"))
	assert.Equal(t, "eu-west-1", r.Output("after", "region"))
	assert.Equal(t, "hyphen-kept", r.Output("after", "hyphenated"), "variables with a hyphen (INPUT_FAIL-ON) reach the step")
	assert.Equal(t, "success", r.Step("greet").Result)
	assert.Same(t, r.Step("greet"), r.JobStep("probe", "greet"))
	assert.Nil(t, r.JobStep("other-job", "greet"))
	assert.Equal(t, "### Greeted ecsflow\n", r.Summary, "the summary appears once although act repeats it for the outer step")
	require.Len(t, r.Annotations, 1)
	assert.Equal(t, e2e.Annotation{Level: "warning", Message: "careful, ecsflow", Fields: map[string]string{"file": "probe.txt", "line": "3", "title": "probe"}, Step: "greet/run"}, r.Annotations[0])
	assert.Contains(t, r.Log, "the token is ***")
	assert.NotContains(t, r.Log, "s3cr3t-probe-token")
}

func TestHarnessReportsAFailedJob(t *testing.T) {
	t.Parallel()
	r := e2e.Run(t, e2e.Workflow{
		File:      "testdata/harness-probe.yml",
		Event:     "workflow_dispatch",
		Inputs:    map[string]string{"fail": "true"},
		NoSandbox: true,
	})
	r.RequireFailure(t)
	assert.Equal(t, "failure", r.Jobs["probe"])
	assert.Equal(t, "failure", r.Step("greet").Result)
	assert.Equal(t, "none", r.Output("greet", "endpoint"), "no sandbox variables without the sandbox")
	assert.Nil(t, r.Step("after"), "later steps do not run")
	require.Len(t, r.Errors(), 1, "%+v\n%s", r.Annotations, r.Log)
	assert.Equal(t, "asked to fail", r.Errors()[0].Message)
}

// parse is tested on act's own --json output, recorded from act v0.2.89.
func TestParseActJSON(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/act-probe.jsonl")
	require.NoError(t, err)
	r := e2e.ParseActJSON(raw)
	assert.Equal(t, map[string]string{"probe": "success"}, r.Jobs)
	assert.Equal(t, "hello act", r.Output("p", "greeting"))
	assert.Equal(t, "### summary for act\n", r.Summary)
	require.Len(t, r.Annotations, 1)
	assert.Equal(t, "notice", r.Annotations[0].Level)
	assert.Contains(t, r.Log, "[probe/probe]   | secret is ***")
	var ids []string
	for _, s := range r.Steps {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{"0", "p", "p/0", "p/run", "2"}, ids)
}

// A third-party action pinned by SHA runs as a local stub.
func TestHarnessStubsRemoteActions(t *testing.T) {
	t.Parallel()
	r := e2e.Run(t, e2e.Workflow{
		File:      "testdata/harness-stub.yml",
		NoSandbox: true,
		Stubs:     map[string]string{"actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "testdata/stubs/noop"},
	})
	r.RequireSuccess(t)
	assert.Equal(t, "true", r.Output("upload", "called"))
	assert.Contains(t, r.Log, "stub got report")
}
