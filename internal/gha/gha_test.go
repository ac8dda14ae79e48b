package gha_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/testenv/ghatest"
)

// fakeEnv is a getenv over a map.
func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// inActions returns a Console that believes it runs inside Actions, with
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY pointing at files in a temp dir.
func inActions(t *testing.T) (*gha.Console, *bytes.Buffer, string, string) {
	t.Helper()
	dir := t.TempDir()
	out, sum := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	for _, f := range []string{out, sum} {
		require.NoError(t, os.WriteFile(f, nil, 0o600))
	}
	var buf bytes.Buffer
	c := gha.New(&buf, fakeEnv(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": sum}))
	return c, &buf, out, sum
}

func outside(t *testing.T, vars map[string]string) (*gha.Console, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	return gha.New(&buf, fakeEnv(vars)), &buf
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestAnnotationsInsideActions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		an   gha.Annotation
		want string
	}{
		{"error with location", gha.Annotation{Level: gha.LevelError, File: "main.tf", Line: 12, Col: 3, Title: "TF001", Message: "module not pinned"},
			"::error col=3,file=main.tf,line=12,title=TF001::module not pinned\n"},
		{"warning with range", gha.Annotation{Level: gha.LevelWarning, File: "a.tf", Line: 1, EndLine: 4, EndColumn: 2, Message: "w"},
			"::warning endColumn=2,endLine=4,file=a.tf,line=1::w\n"},
		{"notice without location", gha.Annotation{Level: gha.LevelNotice, Message: "fyi"}, "::notice::fyi\n"},
		{"unknown level is a notice", gha.Annotation{Level: "info", Message: "x"}, "::notice::x\n"},
		{"message and properties are escaped", gha.Annotation{Level: gha.LevelError, Title: "a,b:c", Message: "line 1\nline 2 100%"},
			"::error title=a%2Cb%3Ac::line 1%0Aline 2 100%25\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, buf, _, _ := inActions(t)
			c.Annotate(tc.an)
			assert.Equal(t, tc.want, buf.String())
		})
	}
}

func TestAnnotationsOutsideActions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		an   gha.Annotation
		want string
	}{
		{"full location", gha.Annotation{Level: gha.LevelError, File: "main.tf", Line: 12, Col: 3, Title: "TF001", Message: "module not pinned"},
			"main.tf:12:3: error: TF001: module not pinned\n"},
		{"file and line", gha.Annotation{Level: gha.LevelWarning, File: "a.tf", Line: 7, Message: "w"}, "a.tf:7: warning: w\n"},
		{"file only", gha.Annotation{Level: gha.LevelWarning, File: "a.tf", Message: "w"}, "a.tf: warning: w\n"},
		{"no location", gha.Annotation{Level: gha.LevelNotice, Message: "fyi"}, "notice: fyi\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, buf := outside(t, nil)
			assert.False(t, c.InActions())
			c.Annotate(tc.an)
			assert.Equal(t, tc.want, buf.String())
		})
	}
	c, buf := outside(t, nil)
	c.Errorf("bad %s", "thing")
	c.Warningf("careful")
	c.Noticef("note")
	assert.Equal(t, "error: bad thing\nwarning: careful\nnotice: note\n", buf.String())
}

func TestOutputsAndSummaryFilesInsideActions(t *testing.T) {
	t.Parallel()
	c, buf, out, sum := inActions(t)
	assert.True(t, c.InActions())
	c.SetOutput("digest", "sha256:abc")
	c.SetOutput("report", "line 1\nline 2")
	c.AddSummary("## Title\n")
	c.AddSummary("| a | b |")
	c.Flush()

	o := read(t, out)
	assert.Contains(t, o, "digest<<")
	assert.Contains(t, o, "\nsha256:abc\n")
	assert.Contains(t, o, "\nline 1\nline 2\n")
	assert.Equal(t, "## Title\n| a | b |\n", strings.ReplaceAll(read(t, sum), "\r\n", "\n"))
	assert.Equal(t, map[string]string{"digest": "sha256:abc", "report": "line 1\nline 2"}, c.Outputs())
	assert.Empty(t, buf.String(), "Flush prints nothing inside Actions")
	assert.Empty(t, c.Summary(), "the summary went to the file")
}

func TestOutputsAndSummaryOutsideActions(t *testing.T) {
	t.Parallel()
	c, buf := outside(t, nil)
	c.SetOutput("b", "two")
	c.SetOutput("a", "one\nmore")
	c.SetOutput("long", strings.Repeat("x", 300))
	c.AddSummary("## Result")
	c.Flush()
	got := buf.String()
	assert.Equal(t, "## Result\n", c.Summary())
	assert.Equal(t, "\n## Result\n\noutputs:\n  a: one …\n  b: two\n  long: "+strings.Repeat("x", 200)+" …\n", got)
}

func TestOutputsFileWithoutActions(t *testing.T) {
	t.Parallel()
	// make demo sets only GITHUB_OUTPUT to collect outputs; the summary is
	// still printed.
	out := filepath.Join(t.TempDir(), "out")
	require.NoError(t, os.WriteFile(out, nil, 0o600))
	c, buf := outside(t, map[string]string{"GITHUB_OUTPUT": out})
	c.SetOutput("status", "succeeded")
	c.AddSummary("done")
	c.Flush()
	assert.Contains(t, read(t, out), "\nsucceeded\n")
	assert.Equal(t, "\ndone\n", buf.String())
}

// A masked secret never shows: not in log lines, annotations, groups,
// debug lines, outputs or the summary; each of its lines is masked too.
func TestMaskingRedactsEverywhere(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-very-secret"
	const multi = "first-line-secret\nsecond-line-secret"

	t.Run("inside Actions", func(t *testing.T) {
		t.Parallel()
		c, buf, out, sum := inActions(t)
		c.Mask(secret)
		c.Mask(multi)
		buf.Reset() // ::add-mask:: lines carry the secret by design; the runner hides them
		c.Infof("token %s", secret)
		c.Errorf("failed with %s", secret)
		c.Annotate(gha.Annotation{Level: gha.LevelWarning, Title: secret, Message: "second-line-secret leaked"})
		end := c.Group("group " + secret)
		end()
		c.Debugf("debug %s", secret)
		c.SetOutput("token", secret)
		c.AddSummary("summary " + multi)
		for where, text := range map[string]string{"log": buf.String(), "outputs": read(t, out), "summary": read(t, sum)} {
			assert.NotContains(t, text, secret, where)
			assert.NotContains(t, text, "first-line-secret", where)
			assert.NotContains(t, text, "second-line-secret", where)
			assert.Contains(t, text, "***", where)
		}
		assert.Equal(t, "***", c.Outputs()["token"])
	})
	t.Run("add-mask is issued inside Actions", func(t *testing.T) {
		t.Parallel()
		c, buf, _, _ := inActions(t)
		c.Mask(multi)
		assert.Equal(t, "::add-mask::"+strings.ReplaceAll(multi, "\n", "%0A")+"\n::add-mask::first-line-secret\n::add-mask::second-line-secret\n", buf.String())
	})
	t.Run("outside Actions", func(t *testing.T) {
		t.Parallel()
		c, buf := outside(t, map[string]string{"ECSFLOW_DEBUG": "1"})
		c.Mask(secret)
		c.Infof("token %s", secret)
		c.Warningf("w %s", secret)
		c.Debugf("d %s", secret)
		c.SetOutput("token", secret)
		c.AddSummary(secret)
		c.Flush()
		assert.NotContains(t, buf.String(), secret)
		assert.NotContains(t, buf.String(), "add-mask")
		assert.Contains(t, buf.String(), "debug: d ***")
		assert.Equal(t, "***", c.Redact(secret))
	})
	t.Run("a secret inside another is replaced whole", func(t *testing.T) {
		t.Parallel()
		c, _ := outside(t, nil)
		c.Mask("abcd")
		c.Mask("xxabcdyy")
		assert.Equal(t, "*** and ***", c.Redact("xxabcdyy and abcd"))
	})
	t.Run("tiny strings are not masked", func(t *testing.T) {
		t.Parallel()
		c, _ := outside(t, nil)
		c.Mask("ab")
		c.Mask("  ")
		assert.Equal(t, "a cab", c.Redact("a cab"))
	})
}

func TestGroupAndDebug(t *testing.T) {
	t.Parallel()
	c, buf, _, _ := inActions(t)
	end := c.Group("Deploying")
	c.Infof("inside")
	end()
	c.Debugf("details %d", 1)
	assert.Equal(t, "::group::Deploying\ninside\n::endgroup::\n::debug::details 1\n", buf.String())

	o, obuf := outside(t, nil)
	oend := o.Group("Deploying")
	o.Debugf("hidden")
	oend()
	assert.Equal(t, "== Deploying\n", obuf.String(), "debug lines need ECSFLOW_DEBUG outside Actions")
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c, buf, out, _ := inActions(t)
	c.Mask("concurrent-secret")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Infof("service %d concurrent-secret", i)
			c.SetOutput(fmt.Sprintf("o%d", i), "v")
			c.AddSummary("row")
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	assert.Len(t, lines, 21) // 20 lines and the add-mask
	for _, l := range lines[1:] {
		assert.Regexp(t, `^service \d+ \*\*\*$`, l, "lines are whole, never interleaved")
	}
	assert.Len(t, c.Outputs(), 20)
	assert.Equal(t, 20, strings.Count(read(t, out), "<<"))
}

// Hostile values reach the output, env and state files intact and never
// add an entry of their own: each value is one heredoc with a delimiter it
// does not contain.
func TestFileCommandsResistInjection(t *testing.T) {
	t.Parallel()
	const libDelim = "_GitHubActionsFileCommandDelimeter_" // go-githubactions v1.3.0's fixed one
	hostile := []struct{ name, value string }{
		{"fixed delimiter", "a.sarif\n" + libDelim + "\ninjected<<X\nowned\nX"},
		{"fixed delimiter last", "x\n" + libDelim},
		{"key=value line", "x\ninjected=owned"},
		{"crlf", "x\r\n" + libDelim + "\r\ninjected=owned\r\n"},
		{"our prefix", "ghadelimiter_\nghadelimiter_00\ninjected=owned"},
		{"empty", ""},
		{"newlines only", "\n\n\n"},
	}
	for _, kind := range []string{"output", "env", "state"} {
		for _, h := range hostile {
			t.Run(kind+"/"+h.name, func(t *testing.T) {
				t.Parallel()
				file := filepath.Join(t.TempDir(), kind)
				require.NoError(t, os.WriteFile(file, nil, 0o600))
				c := gha.New(&bytes.Buffer{}, fakeEnv(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_" + strings.ToUpper(kind): file}))
				set := map[string]func(string, string){"output": c.SetOutput, "env": c.SetEnv, "state": c.SaveState}[kind]
				set("first", h.value)
				set("second", "plain")
				got, err := ghatest.ReadFileCommands(file)
				require.NoError(t, err)
				want := strings.ReplaceAll(h.value, "\r\n", "\n") // the runner reads lines
				assert.Equal(t, map[string]string{"first": want, "second": "plain"}, got)
			})
		}
	}
}

// Two writes of the same value use different delimiters: nobody can
// predict the next one from a log.
func TestFileCommandDelimitersDiffer(t *testing.T) {
	t.Parallel()
	c, _, out, _ := inActions(t)
	c.SetOutput("a", "v")
	c.SetOutput("a", "v")
	var delims []string
	for _, l := range strings.Split(read(t, out), "\n") {
		if _, d, ok := strings.Cut(l, "<<"); ok {
			delims = append(delims, d)
		}
	}
	require.Len(t, delims, 2)
	assert.NotEqual(t, delims[0], delims[1])
}

func TestFileCommandRefusesOddNames(t *testing.T) {
	t.Parallel()
	c, _, _, _ := inActions(t)
	assert.Panics(t, func() { c.SetOutput("a\nb", "v") })
	assert.Panics(t, func() { c.SetOutput("a<<b", "v") })
}
