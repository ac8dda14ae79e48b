package validate

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the report goldens")

// TestReportGoldens renders the job summary and the JSON report of the
// planted-defect stack with a plan and compares them with goldens.
func TestReportGoldens(t *testing.T) {
	t.Parallel()
	s := &Config{Roots: []string{"testdata/badstack"}, PlanFile: "../planjson/testdata/plan.json"}
	out, err := Analyse(context.Background(), s, Deps{Workspace: t.TempDir(), Shellcheck: "off"})
	if err != nil {
		t.Fatal(err)
	}
	out.Took = 0 // timing varies
	rep := NewReport(out, s)
	rep.Version = "test"
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct{ file, got string }{
		{"testdata/badstack.summary.golden.md", rep.Markdown()},
		{"testdata/badstack.report.golden.json", string(js) + "\n"},
	} {
		if *update {
			if err := os.WriteFile(g.file, []byte(g.got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(g.file)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if g.got != string(want) {
			t.Errorf("%s differs; run go test ./internal/validate -run TestReportGoldens -update and review the diff", g.file)
		}
	}
}
