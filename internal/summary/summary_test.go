package summary_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ecsflow/ecsflow/internal/summary"
)

func TestBuilder(t *testing.T) {
	t.Parallel()
	var b summary.Builder
	got := b.Heading(2, "Deploy\n  result").
		Para("%d services in %s", 3, "dev").
		Bullets("one", "two\nlines").
		Table([]string{"Service", "Note"}, [][]string{{"a|b", "x\ny"}, {"short"}}).
		Details("Events (2)", "- e1\n- e2\n").
		Code("json", "{}\n").
		Raw("done\n").
		String()
	want := "## Deploy result\n\n" +
		"3 services in dev\n\n" +
		"- one\n- two lines\n\n" +
		"| Service | Note |\n| --- | --- |\n| a\\|b | x<br>y |\n| short |  |\n\n" +
		"<details><summary>Events (2)</summary>\n\n- e1\n- e2\n\n</details>\n\n" +
		"```json\n{}\n```\n\n" +
		"done\n"
	assert.Equal(t, want, got)
}

func TestHeadingLevelsAreClamped(t *testing.T) {
	t.Parallel()
	var b summary.Builder
	assert.Equal(t, "# a\n\n###### b\n\n", b.Heading(0, "a").Heading(9, "b").String())
}

func TestCodeFenceGrows(t *testing.T) {
	t.Parallel()
	var b summary.Builder
	assert.Equal(t, "````md\nx\n```\ny\n````\n\n", b.Code("md", "x\n```\ny").String())
}

func TestCell(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"plain":         "plain",
		" padded ":      "padded",
		"a|b":           `a\|b`,
		"l1\r\nl2\nl3":  "l1<br>l2<br>l3",
		"<tag> & stuff": "<tag> & stuff",
	}
	for in, want := range cases {
		assert.Equal(t, want, summary.Cell(in), in)
	}
}
