package drift_test

import (
	"encoding/json"
	"testing"

	"github.com/ecsflow/ecsflow/internal/drift"
)

// Images that CI deploys are recorded in the ledger: a task-definition file
// with another image than the ledger's revision is expected, not drift. The
// rest of the file is still compared, and without a ledger the image is.
func TestLedgerOwnsTheImagesOfTaskDefinitionFiles(t *testing.T) {
	t.Parallel()
	c, st, _ := newStack(t, 1)
	s0 := st.Services[0]
	doc := func(mode string) map[string]any {
		return map[string]any{"family": s0.Family, "containerDefinitions": []any{map[string]any{
			"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + st.Repo + ":set-by-ci", "essential": true, "memory": json.Number("512"),
			"portMappings":     []any{map[string]any{"containerPort": json.Number("8080"), "hostPort": json.Number("8080"), "protocol": "tcp"}},
			"environment":      []any{map[string]any{"name": "MODE", "value": mode}, map[string]any{"name": "PORT", "value": "8080"}},
			"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{"awslogs-group": s0.LogGroup, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}},
		}}}
	}
	owned := fakeLedger{{Cluster: st.Cluster, Service: s0.Name}: s0.TaskDefARN}
	other := fakeLedger{{Cluster: st.Cluster, Service: "someone-else"}: s0.TaskDefARN}
	file := func(mode string) []drift.DesiredTaskDefinition {
		return []drift.DesiredTaskDefinition{{Source: "app.json", Family: s0.Family, Document: doc(mode)}}
	}
	name := "aws_ecs_service." + s0.Name
	cases := []struct {
		name   string
		opts   drift.Options
		want   []string
		ignore int
	}{
		{"ledger revision: image expected", drift.Options{Ledger: owned, Desired: file("prod")}, nil, 1},
		{"ledger revision: other changes reported", drift.Options{Ledger: owned, Desired: file("debug")},
			[]string{"review changed " + name + " task_definition(app.json).app.environment.MODE"}, 1},
		{"no ledger record: image is drift", drift.Options{Ledger: other, Desired: file("prod")},
			[]string{"review changed " + name + " task_definition(app.json).app.image"}, 0},
		{"no ledger: image is drift", drift.Options{Desired: file("prod")},
			[]string{"review changed " + name + " task_definition(app.json).app.image"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := scan(t, c, st, tc.opts)
			assertLines(t, summary(res), tc.want, dump(res))
			if res.Ignored < tc.ignore {
				t.Errorf("ignored %d, want at least %d", res.Ignored, tc.ignore)
			}
		})
	}
}
