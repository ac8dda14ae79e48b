package deployecs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/simaccount"
)

// Plans ECS would refuse, or that cannot be checked, fail with exit 2
// naming the input before anything is registered or updated.
func TestActionRefusesPlansBeforeChangingAnything(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		noLB   bool
		inputs map[string]string
		words  []string
	}{
		{"wait false with gates", false, map[string]string{"wait": "false", "health-check-url": "https://x.example.com/health"},
			[]string{`input "wait"`, "health-check-url", "set wait: true"}},
		{"no load balancer", true, map[string]string{"strategy": "canary"},
			[]string{`input "strategy"`, "strategy: canary needs a load balancer with advancedConfiguration or Service Connect; service web has neither"}},
		{"blue-green without bake time", false, map[string]string{"strategy": "blue-green"},
			[]string{`input "bake-time"`, "blue-green needs a bake time", "service web has none"}},
		{"bake longer than timeout", false, map[string]string{"strategy": "blue-green", "bake-time": "40m", "timeout": "30m"},
			[]string{`input "timeout"`, "strategy: blue-green with bake-time 40m needs timeout > 40m"}},
		{"canary steps longer than timeout", false, map[string]string{"strategy": "canary", "bake-time": "5m", "canary-bake-time": "30m"},
			[]string{`input "timeout"`, "needs timeout > 35m"}},
		{"linear percent below 3", false, map[string]string{"strategy": "linear", "linear-step-percent": "2"},
			[]string{`input "linear-step-percent"`, "from 3 to 100 in steps of 0.1"}},
		{"family mismatch", false, map[string]string{"task-definition": "worker:1"},
			[]string{`input "task-definition"`, `is family "worker" but service web runs family "web"`, "allow-family-change"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			lbs := simaccount.ALBFor("web")
			if tc.noLB {
				lbs = nil
			}
			e.CreateService("web", nil, lbs)
			e.CreateService("worker", nil, simaccount.ALBFor("worker"))
			e.Sim.Advance(3 * time.Minute)
			before := e.Mutations()
			in := map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "image": "web:v2"}
			if tc.inputs["task-definition"] != "" {
				in = map[string]string{"cluster": "prod", "service": "web"}
			}
			for k, v := range tc.inputs {
				in[k] = v
			}
			r := e.runAction(t, in)
			require.Equal(t, 2, r.code, r.stdout)
			for _, w := range tc.words {
				assert.Contains(t, r.stdout, w)
			}
			assert.Equal(t, before, e.Mutations(), "nothing may change in AWS")
		})
	}
}

func TestActionFamilyChangeNeedsTheInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web", "worker")
	r := e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "task-definition": "worker:1", "allow-family-change": "true"})
	require.Equal(t, 0, r.code, r.stdout)
	e.SteadyOn("web", "worker:1")
}

// wait: false starts the deployment and says so: status started, never
// succeeded.
func TestActionWaitFalseReportsStarted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, "web")
	r := e.runAction(t, map[string]string{"cluster": "prod", "service": "web", "container-name": "app", "image": "web:v2", "wait": "false"})
	require.Equal(t, 0, r.code, r.stdout)
	assert.Regexp(t, `status<<\S+\nstarted\n`, r.outputs)
	assert.NotContains(t, r.outputs, "succeeded")
}
