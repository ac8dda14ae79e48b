// Package ghatest reads the files an action writes for the GitHub Actions
// runner, as the runner reads them, so tests can check what a workflow
// would see.
package ghatest

import (
	"fmt"
	"os"
	"strings"
)

// ParseFileCommands reads a GITHUB_OUTPUT, GITHUB_ENV or GITHUB_STATE file
// the way the runner does: each entry is either name=value on one line or
// name<<DELIMITER, the value's lines, and a line that is exactly DELIMITER
// (https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#multiline-strings).
// A later entry with the same name wins. Every entry found is returned, so
// an injected one shows up as an extra name.
func ParseFileCommands(data string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		if eq >= 0 && (hd < 0 || eq < hd) {
			out[line[:eq]] = line[eq+1:]
			continue
		}
		if hd < 0 {
			return nil, fmt.Errorf("line %d: %q is neither name=value nor name<<delimiter", i+1, line)
		}
		name, delim := line[:hd], line[hd+2:]
		if name == "" || delim == "" {
			return nil, fmt.Errorf("line %d: %q lacks a name or a delimiter", i+1, line)
		}
		var val []string
		closed := false
		for i++; i < len(lines); i++ {
			if lines[i] == delim {
				closed = true
				break
			}
			val = append(val, lines[i])
		}
		if !closed {
			return nil, fmt.Errorf("the value of %s is not closed by %q", name, delim)
		}
		out[name] = strings.Join(val, "\n")
	}
	return out, nil
}

// ReadFileCommands reads and parses the file at path; a missing file has no
// entries.
func ReadFileCommands(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseFileCommands(string(b))
}
