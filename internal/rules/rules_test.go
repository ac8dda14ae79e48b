package rules

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ecsflow/ecsflow/internal/planjson"
	"github.com/ecsflow/ecsflow/internal/project"
	"github.com/ecsflow/ecsflow/internal/tfparse"
	"github.com/ecsflow/ecsflow/internal/workflowlint"
)

var update = flag.Bool("update", false, "rewrite the expected.golden files of the rule fixtures")

// loadFixture builds the rule input of a fixture directory: the Terraform
// root in it, var files (*.tfvars), taskdefs/*.json, plan.json,
// workflows/*.yml and config.yml.
func loadFixture(t *testing.T, dir string) Input {
	t.Helper()
	in := Input{}
	vfs, _ := filepath.Glob(filepath.Join(dir, "*.tfvars"))
	in.VarFiles = vfs
	tree, err := tfparse.Load([]string{dir}, tfparse.Options{VarFiles: vfs})
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	in.Tree = tree
	tds, _ := filepath.Glob(filepath.Join(dir, "taskdefs", "*.json"))
	for _, p := range tds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in.TaskDefs = append(in.TaskDefs, TaskDefFile{Path: p, Src: b})
	}
	if b, err := os.ReadFile(filepath.Join(dir, "plan.json")); err == nil {
		p, err := planjson.Parse(b)
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		in.Plan, in.PlanFile, in.PlanSrc = p, filepath.Join(dir, "plan.json"), b
	}
	if wfs, _ := filepath.Glob(filepath.Join(dir, "workflows", "*.yml")); len(wfs) > 0 {
		probs, err := workflowlint.Lint(wfs, workflowlint.Options{Shellcheck: "off"})
		if err != nil {
			t.Fatal(err)
		}
		in.Workflows = probs
		pins, err := workflowlint.Unpinned(wfs)
		if err != nil {
			t.Fatal(err)
		}
		in.WorkflowPins = pins
	}
	if b, err := os.ReadFile(filepath.Join(dir, "ecsflow.yaml")); err == nil {
		c, ps := project.Parse(b)
		in.Project = &ProjectFile{Path: filepath.Join(dir, "ecsflow.yaml"), Config: c, Problems: ps, Exists: func(p string, isDir bool) bool {
			st, err := os.Stat(filepath.Join(dir, p))
			return err == nil && st.IsDir() == isDir
		}}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "config.yml")); err == nil {
		cfg, err := ParseConfig(b)
		if err != nil {
			t.Fatalf("config: %v", err)
		}
		in.Config = cfg
	}
	return in
}

func render(fs []Finding, base string) string {
	var b strings.Builder
	for _, f := range fs {
		file := strings.TrimPrefix(filepath.ToSlash(f.File), filepath.ToSlash(base)+"/")
		fmt.Fprintf(&b, "%s:%d:%d %s %s %s\n", file, f.Line, f.Column, f.Severity, f.RuleID, f.Message)
		if f.Detail != "" {
			for _, l := range strings.Split(strings.TrimRight(f.Detail, "\n"), "\n") {
				b.WriteString("    " + l + "\n")
			}
		}
	}
	return b.String()
}

func only(fs []Finding, id string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}

// TestEveryRuleHasFixtures runs each rule on its failing fixture (findings
// must equal expected.golden and not be empty) and its passing fixture (no
// finding of that rule).
func TestEveryRuleHasFixtures(t *testing.T) {
	t.Parallel()
	for _, r := range Catalogue() {
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			base := filepath.Join("testdata", "rules", r.ID)
			bad := filepath.Join(base, "bad")
			good := filepath.Join(base, "good")
			for _, d := range []string{bad, good} {
				if st, err := os.Stat(d); err != nil || !st.IsDir() {
					t.Fatalf("rule %s needs a fixture directory %s", r.ID, d)
				}
			}
			got := render(only(Run(loadFixture(t, bad)).Findings, r.ID), bad)
			golden := filepath.Join(bad, "expected.golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden (run go test -update): %v", err)
			}
			if got == "" {
				t.Fatalf("failing fixture of %s produced no finding", r.ID)
			}
			if got != string(want) {
				t.Errorf("findings of %s differ from %s\n--- got\n%s--- want\n%s", r.ID, golden, got, want)
			}
			if fs := only(Run(loadFixture(t, good)).Findings, r.ID); len(fs) > 0 {
				t.Errorf("passing fixture of %s has findings:\n%s", r.ID, render(fs, good))
			}
		})
	}
}

func TestCatalogueIsComplete(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range Catalogue() {
		if seen[r.ID] {
			t.Errorf("duplicate %s", r.ID)
		}
		seen[r.ID] = true
		if len(r.ID) != 5 || !strings.HasPrefix(r.ID, "EF") {
			t.Errorf("%s: IDs are EF + 3 digits", r.ID)
		}
		if r.Title == "" || r.Remediation == "" || r.Doc == "" || r.Category == "" || r.Severity == 0 {
			t.Errorf("%s: title, remediation, doc, category and severity are required", r.ID)
		}
		if strings.HasSuffix(r.Title, ".") {
			t.Errorf("%s: title is one line without a full stop", r.ID)
		}
	}
	if len(seen) < 50 {
		t.Errorf("catalogue has %d rules", len(seen))
	}
	cat := Catalogue()
	if !sort.SliceIsSorted(cat, func(i, j int) bool { return cat[i].ID < cat[j].ID }) {
		t.Error("Catalogue is not sorted by ID")
	}
}
