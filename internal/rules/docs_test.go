package rules

import (
	"os"
	"strings"
	"testing"
)

// TestDocsUpToDate fails when docs/rules.md differs from the catalogue.
func TestDocsUpToDate(t *testing.T) {
	t.Parallel()
	got, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatalf("docs/rules.md missing: %v (run go run ./cmd/docgen/rules)", err)
	}
	if string(got) != Markdown() {
		t.Fatal("docs/rules.md is out of date; run go run ./cmd/docgen/rules (or make docs)")
	}
}

func TestDocsCoverEveryCategory(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, c := range categoryTitles {
		known[c.key] = true
	}
	md := Markdown()
	for _, r := range Catalogue() {
		if !known[r.Category] {
			t.Errorf("%s: category %q has no section in the reference", r.ID, r.Category)
		}
		if !strings.Contains(md, "### "+r.ID+"\n") {
			t.Errorf("%s missing from the reference", r.ID)
		}
	}
}
