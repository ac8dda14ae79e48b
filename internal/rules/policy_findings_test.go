package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddFindingsAppliesTheConfig(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig([]byte(`rules:
  Policy/org.ecs/deny_exec: warning
  policy/main/warn: off
ignore:
  - rule: policy/main/deny
    paths: ["legacy/**"]
    reason: moved next quarter
`))
	require.NoError(t, err)
	require.Equal(t, []string{"policy/main/warn", "policy/org.ecs/deny_exec"}, cfg.RuleIDs(), "policy IDs keep their case, prefix normalised")

	exec := Finding{RuleID: "policy/org.ecs/deny_exec", Severity: Error, File: "ecs.tf", Line: 9, Message: "exec"}
	warn := Finding{RuleID: "policy/main/warn", Severity: Warning, File: "ecs.tf", Line: 3, Message: "warn"}
	legacy := Finding{RuleID: "policy/main/deny", Severity: Error, File: "legacy/old.tf", Line: 1, Message: "old"}
	kept := Finding{RuleID: "policy/main/deny", Severity: Error, File: "app.tf", Line: 1, Message: "new"}
	other := Finding{RuleID: "EF401", Severity: Warning, File: "app.tf", Line: 5, Message: "from Run"}

	res := Result{Findings: []Finding{other}}
	AddFindings(Input{Config: cfg}, &res, []Finding{exec, warn, legacy, kept})

	exec.Severity = Warning
	legacy.Suppression, legacy.SuppressedBy = "moved next quarter", "config"
	assert.Equal(t, []Finding{kept, other, exec}, res.Findings, "sorted by file and line; the rule turned off is gone")
	assert.Equal(t, []Finding{legacy}, res.Suppressed)
}

func TestAddFindingsWithoutConfigKeepsThem(t *testing.T) {
	t.Parallel()
	f := Finding{RuleID: "policy/main/deny", Severity: Error, File: "app.tf", Line: 1, Message: "m"}
	var res Result
	AddFindings(Input{}, &res, []Finding{f})
	assert.Equal(t, []Finding{f}, res.Findings)
	assert.Empty(t, res.Suppressed)
}
