package buildctx

import (
	"bufio"
	"io"
	"path"
	"regexp"
	"strings"
)

// Ignore is a parsed .dockerignore: patterns in file order, where a later
// match wins and a leading '!' re-includes.
type Ignore struct {
	rules []rule
}

type rule struct {
	re     *regexp.Regexp
	negate bool
}

// ParseIgnore reads .dockerignore syntax: one pattern per line, '#'
// comments, Go filepath.Match wildcards plus '**' for any number of
// directories, '!' for exceptions. Paths are relative to the context root.
func ParseIgnore(r io.Reader) (*Ignore, error) {
	ig := &Ignore{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := false
		if strings.HasPrefix(line, "!") {
			neg = true
			line = strings.TrimSpace(line[1:])
		}
		line = path.Clean(strings.TrimPrefix(line, "/"))
		if line == "." {
			continue
		}
		re, err := regexp.Compile(globToRegexp(line))
		if err != nil {
			return nil, err
		}
		ig.rules = append(ig.rules, rule{re: re, negate: neg})
	}
	return ig, sc.Err()
}

// globToRegexp translates a .dockerignore pattern into an anchored regexp.
func globToRegexp(p string) string {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '*' && i+1 < len(p) && p[i+1] == '*':
			i++
			if i+1 < len(p) && p[i+1] == '/' {
				// "**/" matches zero or more directories.
				i++
				b.WriteString("(.*/)?")
			} else {
				b.WriteString(".*")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				b.WriteString(regexp.QuoteMeta(string(c)))
				continue
			}
			class := p[i+1 : i+j]
			if strings.HasPrefix(class, "^") || strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += j
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(string(p[i])))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	// A pattern that names a directory excludes everything below it.
	b.WriteString("(/.*)?$")
	return b.String()
}

// Excluded reports whether a slash-separated path relative to the context
// root is left out of the build context.
func (ig *Ignore) Excluded(rel string) bool {
	if ig == nil {
		return false
	}
	excluded := false
	for _, r := range ig.rules {
		if r.re.MatchString(rel) {
			excluded = !r.negate
		}
	}
	return excluded
}

// HasExceptions reports whether any rule re-includes paths, in which case a
// directory that is excluded must still be walked.
func (ig *Ignore) HasExceptions() bool {
	if ig == nil {
		return false
	}
	for _, r := range ig.rules {
		if r.negate {
			return true
		}
	}
	return false
}
