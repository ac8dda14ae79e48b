package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"

	"github.com/ecsflow/ecsflow"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }

// The demo runs end to end against a fresh sandbox with the action
// binaries as the release builds them, and every step behaves as expected.
func TestDemoRunsEndToEnd(t *testing.T) {
	bin := e2e.BinDir(t)
	for _, a := range ecsflow.Actions {
		e2e.Built(t, a) // fails the test when an action does not build
	}
	var out bytes.Buffer
	code := run(context.Background(), &out, func(k string) string {
		if k == "ECSFLOW_BIN_DIR" {
			return bin
		}
		return ""
	})
	log := out.String()
	if code != 0 {
		t.Fatalf("demo exited %d:\n%s", code, log)
	}
	for _, want := range []string{
		"every step that ran behaved as expected",
		"status=succeeded",
		"status=rolled-back",
		"CannotPullContainerError",
		// drift-check reads the seeded example stack's state through the
		// backend config and finds exactly the two manual changes.
		"--path examples/open-webui/terraform --environment dev",
		"s3://ecsflow-tfstate-dev/open-webui/dev/terraform.tfstate",
		"drifted=false coverage=100",
		"drifted=true changed=1 missing=1",
		`critical changed   aws_security_group.alb: ingress: (none) → tcp 22 from 0.0.0.0/0`,
		`critical missing   aws_cloudwatch_metric_alarm.cpu_high["mcpo"]`,
		"rolled-back=false",
		// optimize reads the generated usage and the example's Terraform.
		"--path examples/open-webui/terraform --var-files examples/open-webui/terraform/environments/dev.tfvars",
		"every one a Fargate pair; no Spot in production",
	} {
		assert.Contains(t, log, want)
	}
	m := regexp.MustCompile(`saving=([0-9.]+)%`).FindStringSubmatch(log)
	require.NotNil(t, m, "the cost report's saving is in the summary")
	pct, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, pct, 15.0, "the example stack is oversized")
	assert.NotContains(t, log, "INVALID")
	assert.NotContains(t, log, "not built yet")
	assert.Equal(t, 0, strings.Count(log, "UNEXPECTED"))
}

func TestQuoteArgs(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `--service $'a\nb' --reason 'it'\''s' --x plain`, quoteArgs([]string{"--service", "a\nb", "--reason", "it's", "--x", "plain"}))
}

func TestReadOutputs(t *testing.T) {
	t.Parallel()
	p := t.TempDir() + "/out"
	require.NoError(t, os.WriteFile(p, []byte("a=1\nreport<<ghadelimiter_x\nline 1\nline 2\nghadelimiter_x\nb=x=y\n"), 0o600))
	assert.Equal(t, map[string]string{"a": "1", "report": "line 1\nline 2", "b": "x=y"}, readOutputs(p))
	assert.Empty(t, readOutputs(p+"-missing"))
}
