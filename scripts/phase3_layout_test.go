package scripts_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stepByID returns the script step of a job with the given id, and the
// inputs of the step that uses the action.
func stepByID(t *testing.T, file, job, id, action string) (step workflowStep, with map[string]string) {
	t.Helper()
	for _, s := range readJob(t, file, job).Steps {
		if s.ID == id {
			step = s.workflowStep
		}
		if s.Uses == action {
			with = s.With
		}
	}
	require.NotEmpty(t, step.Run, "%s's job %s has a step %s", file, job, id)
	require.NotNil(t, with, "%s's job %s uses %s", file, job, action)
	return step, with
}

// phase3Case is one run of a phase 3 workflow's settings step.
type phase3Case struct {
	name   string
	layout string // shop: ecsflow.yaml; services: the services/<svc> layout
	env    map[string]string
	code   int
	want   map[string]string
	says   []string
}

func runPhase3Cases(t *testing.T, step workflowStep, cases []phase3Case) {
	t.Helper()
	bin := validateBinDir(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var dir string
			if tc.layout == "shop" {
				dir, _ = shopRepo(t, nil)
			} else {
				dir, _ = servicesRepo(t)
			}
			env := map[string]string{"ECSFLOW_BIN_DIR": bin, "CONFIG": ""}
			for k, v := range tc.env {
				env[k] = v
			}
			r := runWorkflowStep(t, step, dir, env)
			require.Equal(t, tc.code, r.code, r.stdout)
			for k, v := range tc.want {
				assert.Equal(t, v, r.outputs[k], "output %s: %s", k, r.stdout)
			}
			for _, s := range tc.says {
				assert.Contains(t, r.stdout, s)
			}
		})
	}
}

// envWith returns a function giving the defaults with the key-value pairs
// it is called with replacing them.
func envWith(defaults map[string]string) func(kv ...string) map[string]string {
	return func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range defaults {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
}

// Drift compares the task-definition files ecsflow.yaml names when the
// task-definitions input is empty; without the file nothing changes.
func TestPhase3DriftReadsEcsflowYAML(t *testing.T) {
	t.Parallel()
	step, with := stepByID(t, "phase3-drift.yml", "drift", "env", "./.ecsflow/actions/drift-check")
	assert.Equal(t, "${{ steps.env.outputs.task-definitions }}", with["task-definitions"])
	base := envWith(map[string]string{"ENVIRONMENT": "dev", "ROLES": `{"dev":{"readonly":"arn:aws:iam::111111111111:role/ro","deploy":"arn:aws:iam::111111111111:role/d"}}`,
		"REMEDIATE": "none", "VAR_FILE": "environments/{env}.tfvars", "TERRAFORM_DIR": "terraform", "STATE": "", "TASK_DEFINITIONS": ""})
	runPhase3Cases(t, step, []phase3Case{
		{name: "the file's task definitions", layout: "shop", env: base(),
			want: map[string]string{"task-definitions": "deploy/ecs/api.json,deploy/ecs/worker.json,deploy/ecs/admin.json", "role": "arn:aws:iam::111111111111:role/ro"}},
		{name: "the input wins over the file", layout: "shop", env: base("TASK_DEFINITIONS", "deploy/ecs/api.json"),
			want: map[string]string{"task-definitions": "deploy/ecs/api.json"}},
		{name: "an environment the file does not declare", layout: "shop", env: base("ENVIRONMENT", "staging", "ROLES", `{"staging":{"readonly":"r"}}`),
			code: 2, says: []string{`environment "staging" is not declared`}},
		{name: "without the file: the input as given", layout: "services", env: base("TASK_DEFINITIONS", "task-definitions/*.json"),
			want: map[string]string{"task-definitions": "task-definitions/*.json", "var-file": "terraform/environments/dev.tfvars"}},
		{name: "without the file and input: none", layout: "services", env: base(),
			want: map[string]string{"task-definitions": ""}},
	})
}

// Self-healing watches the services of ecsflow.yaml on the environment's
// cluster when the services input is empty; without the file the inputs
// decide as before.
func TestPhase3SelfHealReadsEcsflowYAML(t *testing.T) {
	t.Parallel()
	step, with := stepByID(t, "phase3-self-heal.yml", "heal", "env", "./.ecsflow/actions/rollback")
	assert.Equal(t, "${{ steps.env.outputs.services }}", with["service"])
	assert.Equal(t, "${{ steps.env.outputs.cluster }}", with["cluster"])
	base := envWith(map[string]string{"ENVIRONMENT": "dev", "ROLES": `{"dev":{"deploy":"arn:aws:iam::111111111111:role/d"},"prod":{"deploy":"p"}}`,
		"CLUSTER": "ecsflow-{env}", "ALARMS": "", "SERVICES": ""})
	runPhase3Cases(t, step, []phase3Case{
		{name: "the file's services and cluster", layout: "shop", env: base(),
			want: map[string]string{"services": "api,worker,admin", "cluster": "shop-dev"}},
		{name: "the file's prod cluster", layout: "shop", env: base("ENVIRONMENT", "prod"),
			want: map[string]string{"services": "api,worker,admin", "cluster": "shop-prod"}},
		{name: "services given: those, on the file's cluster", layout: "shop", env: base("SERVICES", "api"),
			want: map[string]string{"services": "api", "cluster": "shop-dev"}},
		{name: "without the file: the inputs as before", layout: "services", env: base("SERVICES", "open-webui\nmcpo"),
			want: map[string]string{"services": "open-webui,mcpo", "cluster": "ecsflow-dev"}},
		{name: "without the file or services", layout: "services", env: base(),
			code: 2, says: []string{"::error", `input "services"`, "ecsflow.yaml"}},
	})
}
