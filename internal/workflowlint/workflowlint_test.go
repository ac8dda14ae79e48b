package workflowlint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLintFindsProblems(t *testing.T) {
	t.Parallel()
	probs, err := Lint([]string{"testdata/broken.yml"}, Options{Shellcheck: "off"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range probs {
		if p.File != "testdata/broken.yml" || p.Line == 0 || p.Column == 0 {
			t.Errorf("problem without location: %+v", p)
		}
		kinds = append(kinds, p.Kind+": "+p.Message)
	}
	all := strings.Join(kinds, "\n")
	for _, want := range []string{`unexpected key "branch"`, "untrusted", `property "nope"`} {
		if !strings.Contains(all, want) {
			t.Errorf("missing problem %q in:\n%s", want, all)
		}
	}
}

func TestLintCleanWorkflow(t *testing.T) {
	t.Parallel()
	probs, err := Lint([]string{"testdata/good.yml"}, Options{Shellcheck: "off"})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 0 {
		t.Fatalf("want no problems, got %+v", probs)
	}
}

func TestWorkflowFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if got, err := WorkflowFiles(root); err != nil || len(got) != 0 {
		t.Fatalf("no .github: got %v, %v", got, err)
	}
	wf := filepath.Join(root, ".github", "workflows")
	if err := os.MkdirAll(wf, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"b.yaml", "a.yml", "notes.md"} {
		if err := os.WriteFile(filepath.Join(wf, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := WorkflowFiles(root)
	if err != nil || len(got) != 2 || filepath.Base(got[0]) != "a.yml" || filepath.Base(got[1]) != "b.yaml" {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestUnpinned(t *testing.T) {
	t.Parallel()
	probs, err := Unpinned([]string{"testdata/pins.yml", "testdata/good.yml"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range probs {
		got = append(got, fmt.Sprintf("%s:%d:%d", filepath.Base(p.File), p.Line, p.Column))
	}
	want := "pins.yml:5:11 pins.yml:9:15 pins.yml:12:15"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s\n%+v", got, want, probs)
	}
	if !strings.Contains(probs[1].Message, `actions/checkout is pinned to "v4"`) {
		t.Errorf("message: %s", probs[1].Message)
	}
}
