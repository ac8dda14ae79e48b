// Package summary builds the markdown of a job summary. It escapes what
// markdown tables need escaped and nothing else (go-githubactions'
// template helper uses html/template, which mangles '<' and '&').
package summary

import (
	"fmt"
	"strings"
)

// Builder accumulates markdown.
type Builder struct {
	b strings.Builder
}

// Heading adds a heading of the given level (1-6).
func (s *Builder) Heading(level int, text string) *Builder {
	if level < 1 {
		level = 1
	}
	if level > 6 {
		level = 6
	}
	fmt.Fprintf(&s.b, "%s %s\n\n", strings.Repeat("#", level), oneLine(text))
	return s
}

// Para adds a paragraph.
func (s *Builder) Para(format string, args ...any) *Builder {
	fmt.Fprintf(&s.b, format, args...)
	s.b.WriteString("\n\n")
	return s
}

// Bullets adds a bulleted list.
func (s *Builder) Bullets(items ...string) *Builder {
	for _, it := range items {
		fmt.Fprintf(&s.b, "- %s\n", oneLine(it))
	}
	s.b.WriteString("\n")
	return s
}

// Table adds a table. Cells are escaped for markdown tables; rows shorter
// than the header are padded.
func (s *Builder) Table(header []string, rows [][]string) *Builder {
	s.b.WriteString("|")
	for _, h := range header {
		s.b.WriteString(" " + Cell(h) + " |")
	}
	s.b.WriteString("\n|")
	for range header {
		s.b.WriteString(" --- |")
	}
	s.b.WriteString("\n")
	for _, r := range rows {
		s.b.WriteString("|")
		for i := range header {
			v := ""
			if i < len(r) {
				v = r[i]
			}
			s.b.WriteString(" " + Cell(v) + " |")
		}
		s.b.WriteString("\n")
	}
	s.b.WriteString("\n")
	return s
}

// Details adds a collapsed section.
func (s *Builder) Details(summaryText, body string) *Builder {
	fmt.Fprintf(&s.b, "<details><summary>%s</summary>\n\n%s\n\n</details>\n\n", oneLine(summaryText), strings.TrimRight(body, "\n"))
	return s
}

// Code adds a fenced code block. The fence grows if body contains one.
func (s *Builder) Code(lang, body string) *Builder {
	fence := "```"
	for strings.Contains(body, fence) {
		fence += "`"
	}
	fmt.Fprintf(&s.b, "%s%s\n%s\n%s\n\n", fence, lang, strings.TrimRight(body, "\n"), fence)
	return s
}

// Raw adds markdown as is.
func (s *Builder) Raw(md string) *Builder {
	s.b.WriteString(md)
	return s
}

// String returns the markdown.
func (s *Builder) String() string { return s.b.String() }

// Cell escapes a value for a markdown table cell.
func Cell(v string) string {
	v = strings.ReplaceAll(v, "|", `\|`)
	v = strings.ReplaceAll(v, "\r\n", "\n")
	return strings.ReplaceAll(strings.TrimSpace(v), "\n", "<br>")
}

func oneLine(v string) string {
	return strings.Join(strings.Fields(v), " ")
}
