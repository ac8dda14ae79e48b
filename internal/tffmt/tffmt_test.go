package tffmt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorpusMatchesTerraformFmt compares Format with the output of
// terraform fmt recorded in corpus/*.golden (testdata/regen.sh).
func TestCorpusMatchesTerraformFmt(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob("testdata/corpus/*.tf")
	if err != nil || len(inputs) < 10 {
		t.Fatalf("corpus missing: %v (%d files)", err, len(inputs))
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(in + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			got, diags := Format(src, in)
			if diags.HasErrors() {
				t.Fatalf("unexpected syntax errors: %s", diags.Error())
			}
			if string(got) != string(want) {
				t.Errorf("Format differs from terraform fmt:\n%s", Diff(filepath.Base(in), want, got))
			}
			_, ok, _ := Check(src, in)
			if ok != (string(src) == string(want)) {
				t.Errorf("Check ok = %v, want %v", ok, string(src) == string(want))
			}
		})
	}
}

func TestSyntaxErrorLeavesSourceAlone(t *testing.T) {
	t.Parallel()
	src := []byte("resource \"x\" \"y\" {\n  a = \n")
	got, diags := Format(src, "bad.tf")
	if !diags.HasErrors() {
		t.Fatal("want syntax error")
	}
	if string(got) != string(src) {
		t.Fatalf("source changed: %q", got)
	}
	if r := diags[0].Subject; r == nil || r.Start.Line < 2 {
		t.Fatalf("want error position on line 2 or later, got %v", diags[0].Subject)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, a, b, want string
	}{
		{"equal", "a\n", "a\n", ""},
		{"change", "a\nb\nc\n", "a\nB\nc\n", "--- a/f.tf\n+++ b/f.tf\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"append", "a\n", "a\nb\n", "--- a/f.tf\n+++ b/f.tf\n@@ -1 +1,2 @@\n a\n+b\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "x\n2\n3\n4\n5\n6\n7\n8\n9\ny\n",
			"--- a/f.tf\n+++ b/f.tf\n@@ -1,4 +1,4 @@\n-1\n+x\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+y\n"},
		{"no newline", "a", "a\n", "--- a/f.tf\n+++ b/f.tf\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Diff("f.tf", []byte(tc.a), []byte(tc.b)); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestGoldenVersionRecorded(t *testing.T) {
	t.Parallel()
	v, err := os.ReadFile("testdata/corpus/TERRAFORM_VERSION")
	if err != nil || !strings.HasPrefix(string(v), "Terraform v1.") {
		t.Fatalf("goldens must record the terraform version that made them: %q %v", v, err)
	}
}

// TestCheckParsedAgreesWithFormat: the fast path must give Format's answer
// on every corpus input and golden.
func TestCheckParsedAgreesWithFormat(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/corpus/*.tf*")
	for _, p := range files {
		if strings.HasSuffix(p, "VERSION") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Format(src, p)
		got, ok := CheckParsed(src, p)
		if ok != (string(want) == string(src)) || string(got) != string(want) {
			t.Errorf("%s: CheckParsed ok=%v disagrees with Format", p, ok)
		}
	}
}

func BenchmarkCheckParsedFormatted(b *testing.B) {
	src, err := os.ReadFile("testdata/corpus/alignment.tf.golden")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		if _, ok := CheckParsed(src, "x.tf"); !ok {
			b.Fatal("golden should be formatted")
		}
	}
}

func BenchmarkCheckFormatted(b *testing.B) {
	src, err := os.ReadFile("testdata/corpus/alignment.tf.golden")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		if _, ok, _ := Check(src, "x.tf"); !ok {
			b.Fatal("golden should be formatted")
		}
	}
}
