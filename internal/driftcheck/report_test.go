package driftcheck

import (
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/tfstate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testdata/report.json is the scan result; report.golden.md and
// report.golden.json are the markdown and JSON reports rendered from it.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/report.json")
	if err != nil {
		t.Fatal(err)
	}
	var res drift.Result
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	cfg := &Config{Environment: "prod", State: tfstate.Location{Bucket: "ecsflow-tfstate-prod", Key: "open-webui/prod/terraform.tfstate"}}
	rep := newReport(cfg, &tfstate.State{Serial: 42}, &res, time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC))
	js, _ := json.MarshalIndent(rep, "", "  ")
	for file, got := range map[string]string{"testdata/report.golden.md": rep.Markdown(), "testdata/report.golden.json": string(js) + "\n"} {
		if *update {
			if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s differs (run go test -run TestReportGolden -update):\n%s", file, got)
		}
	}
}
