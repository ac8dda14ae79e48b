package cost

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// edit is one change to one line: replace it with lines (replace), or
// keep it and add lines after it.
type edit struct {
	at      Setting
	replace bool
	lines   []string
}

// setValue returns the edit that gives the attribute on line at the value
// v, when the line sets it to a literal that matches. It keeps the line's
// quoting, spacing and trailing comment. ok is false when the line sets
// it through an expression (a variable, a local) or to another value.
func setValue(at Setting, v string, matches func(old string) bool) (edit, bool) {
	start := strings.Index(at.Text, "=") + 1
	if at.Attr != "" {
		loc := regexp.MustCompile(`\b` + regexp.QuoteMeta(at.Attr) + `\s*=`).FindStringIndex(at.Text)
		if loc == nil {
			return edit{}, false
		}
		start = loc[1]
	}
	if start <= 0 {
		return edit{}, false
	}
	for start < len(at.Text) && at.Text[start] == ' ' {
		start++
	}
	rest := at.Text[start:]
	end, quoted := 0, strings.HasPrefix(rest, `"`)
	if quoted {
		i := strings.Index(rest[1:], `"`)
		if i < 0 {
			return edit{}, false
		}
		end = i + 2
	} else {
		end = strings.IndexAny(rest, " \t#/,}")
		if end < 0 {
			end = len(rest)
		}
	}
	if end == 0 || !matches(strings.Trim(rest[:end], `"`)) {
		return edit{}, false
	}
	if quoted {
		v = `"` + v + `"`
	}
	return edit{at: at, replace: true, lines: []string{at.Text[:start] + v + rest[end:]}}, true
}

// diff renders edits as a unified diff, one file after another, hunks in
// line order.
func diff(edits []edit) string {
	byFile := map[string][]edit{}
	var files []string
	for _, e := range edits {
		if _, ok := byFile[e.at.File]; !ok {
			files = append(files, e.at.File)
		}
		byFile[e.at.File] = append(byFile[e.at.File], e)
	}
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		es := byFile[f]
		sort.SliceStable(es, func(i, j int) bool { return es[i].at.Line < es[j].at.Line })
		fmt.Fprintf(&b, "--- a/%s\n+++ b/%s\n", f, f)
		shift := 0
		for _, e := range es {
			newCount := len(e.lines)
			if !e.replace {
				newCount++
			}
			fmt.Fprintf(&b, "@@ -%d,1 +%d,%d @@\n", e.at.Line, e.at.Line+shift, newCount)
			if e.replace {
				fmt.Fprintf(&b, "-%s\n", e.at.Text)
			} else {
				fmt.Fprintf(&b, " %s\n", e.at.Text)
			}
			for _, l := range e.lines {
				fmt.Fprintf(&b, "+%s\n", l)
			}
			shift += newCount - 1
		}
	}
	return b.String()
}

// indentOf is the leading white space of a line.
func indentOf(line string) string {
	return line[:len(line)-len(strings.TrimLeft(line, " \t"))]
}

// block indents lines by one level below the line at.
func block(at Setting, lines ...string) []string {
	return indented(indentOf(at.Text)+"  ", lines...)
}

// indented prefixes each non-empty line with in.
func indented(in string, lines ...string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if l == "" {
			out[i] = ""
			continue
		}
		out[i] = in + l
	}
	return out
}

// changeOf renders edits as a Change; note says what to set by hand when
// fewer than want lines could be edited.
func changeOf(edits []edit, want int, note string) Change {
	var c Change
	if len(edits) > 0 {
		c.Diff = diff(edits)
	}
	if len(edits) < want {
		c.Note = note
	}
	for _, e := range edits {
		if e.at.Shared {
			c.Note = join(c.Note, fmt.Sprintf("%s:%d sets this for other environments too: to change one environment alone, override it in that environment's variables", e.at.File, e.at.Line))
			break
		}
	}
	return c
}

func trimmed(s string) string { return strings.TrimSpace(s) }

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
