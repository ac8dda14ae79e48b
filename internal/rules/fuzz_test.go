package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// FuzzRules feeds arbitrary native-syntax and JSON configurations to the
// loader and every rule: a broken or odd file must become findings, never
// a panic. Seeds are the rule fixtures.
func FuzzRules(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/rules/*/*/main.tf")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(b, false)
		}
	}
	if b, err := os.ReadFile("testdata/json/main.tf.json"); err == nil {
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, src []byte, json bool) {
		dir := t.TempDir()
		name := "main.tf"
		if json {
			name = "main.tf.json"
		}
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
		tree, err := tfparse.Load([]string{dir}, tfparse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		Run(Input{Tree: tree, TaskDefs: []TaskDefFile{{Path: "td.json", Src: src}}})
	})
}
