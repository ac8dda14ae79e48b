package sarif

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/rules"
)

// FuzzBuild writes findings made of arbitrary strings (quotes, control
// characters, invalid UTF-8, URI-breaking paths) and positions: the log is
// always valid JSON, valid against the SARIF 2.1.0 schema, and holds one
// result per finding, suppressed ones included.
func FuzzBuild(f *testing.F) {
	schema, err := os.ReadFile("testdata/sarif-schema-2.1.0.json")
	require.NoError(f, err)
	v, err := newSchemaValidator(schema)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, msg, file, resource, detail, reason string, line, col int) {
		fd := rules.Finding{RuleID: "EF101", Severity: rules.Error, Title: msg, Message: msg, File: file,
			Line: line, Column: col, EndLine: line, EndColumn: col, Resource: resource, Detail: detail}
		sup := fd
		sup.RuleID, sup.Suppression, sup.SuppressedBy = "EF401", reason, "inline"
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, Build(rules.Result{Findings: []rules.Finding{fd}, Suppressed: []rules.Finding{sup}},
			Options{ToolVersion: msg, HelpURI: "https://example.com/rules.md", Category: resource})))
		require.True(t, json.Valid(buf.Bytes()), "not JSON:\n%s", buf.Bytes())
		errs := v.Validate(buf.Bytes())
		require.Empty(t, errs, "SARIF violates the 2.1.0 schema:\n%s", strings.Join(errs, "\n"))
		var log struct {
			Runs []struct {
				Results []json.RawMessage `json:"results"`
			} `json:"runs"`
		}
		require.NoError(t, json.Unmarshal(buf.Bytes(), &log))
		require.Len(t, log.Runs, 1)
		require.Len(t, log.Runs[0].Results, 2)
	})
}
