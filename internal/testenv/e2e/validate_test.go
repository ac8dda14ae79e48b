package e2e_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
)

// validate through its action.yml with act: the example stack passes with
// SARIF, report and summary; the planted-defect copy fails with file/line
// annotations; a missing path is a bad input with one ::error naming it.
func TestValidateThroughActionYML(t *testing.T) {
	t.Parallel()
	if !e2e.Built(t, "validate") {
		t.Fatal("actions/validate/main.go is missing: the e2e test of validate needs the action")
	}
	r := e2e.Run(t, e2e.Workflow{File: "testdata/validate.yml", Event: "workflow_dispatch", NoSandbox: true})
	assert.Equal(t, "success", r.Jobs["example"], r.Log)
	assert.Equal(t, "success", r.Jobs["bad-stack"], r.Log)
	assert.Equal(t, "failure", r.Jobs["bad-input"], r.Log)

	assert.Equal(t, "true", r.Output("check", "ok"), r.Log)
	assert.Contains(t, r.Summary, "## ecsflow validate")
	assert.Contains(t, r.Summary, "### Errors")

	// Annotations of the bad stack carry file, line and the rule in the title.
	var planted, bad []e2e.Annotation
	for _, a := range r.Errors() {
		if strings.HasSuffix(a.Fields["file"], "badstack/planted.tf") && a.Fields["line"] != "" {
			planted = append(planted, a)
		}
		if strings.Contains(a.Message, `input "path"`) {
			bad = append(bad, a)
		}
	}
	titles := ""
	for _, a := range planted {
		titles += a.Fields["title"] + "\n"
	}
	for _, id := range []string{"EF201", "EF204", "EF207", "EF208", "EF501", "EF601", "EF801"} {
		assert.Contains(t, titles, id+" ", "annotation for %s", id)
	}
	if assert.Len(t, bad, 1, r.Log) {
		assert.Contains(t, bad[0].Message, "does not exist")
	}
}
