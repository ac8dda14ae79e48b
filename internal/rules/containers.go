package rules

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// containerSet is the container definitions of one task definition,
// however they were written (jsonencode, heredoc, file(), templatefile()
// or a task-definition JSON file).
type containerSet struct {
	containers []map[string]any
	// known is false when the list itself is unknown until apply.
	known bool
	// invalid is set when the definitions are a known string that is not
	// a JSON list of containers.
	invalid string
	src     []byte
	base    hcl.Range // where the definitions are written
}

// locate returns the position of needle inside the definitions' source, or
// the start of the definitions.
func (cs *containerSet) locate(needle string) hcl.Range {
	if needle == "" || cs.src == nil {
		return cs.base
	}
	start, end := cs.base.Start.Byte, cs.base.End.Byte
	if end <= start || end > len(cs.src) {
		start, end = 0, len(cs.src)
	}
	i := bytes.Index(cs.src[start:end], []byte(needle))
	if i < 0 {
		return cs.base
	}
	off := start + i
	line := 1 + bytes.Count(cs.src[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(cs.src[:off], '\n')
	return hcl.Range{Filename: cs.base.Filename, Start: hcl.Pos{Line: line, Column: col, Byte: off}, End: hcl.Pos{Line: line, Column: col + len(needle), Byte: off + len(needle)}}
}

var bareUnknown = regexp.MustCompile(`([:\[,]\s*)` + regexp.QuoteMeta(tfparse.UnknownText))

// fromTree turns an evaluated container_definitions value into a set.
func containersFromTree(v any) containerSet {
	switch x := v.(type) {
	case []any:
		cs := containerSet{known: true}
		for _, c := range x {
			if m, ok := c.(map[string]any); ok {
				cs.containers = append(cs.containers, m)
			} else if !isUnknown(c) {
				cs.invalid = "each container definition must be a JSON object"
			}
		}
		return cs
	case map[string]any:
		return containerSet{known: true, invalid: "container definitions must be a list of containers, not one object"}
	case string:
		doc, ok := tfparse.DecodeJSONTree(x)
		if !ok && tfparse.HasUnknown(x) {
			// "memory": ${var.memory} leaves a bare placeholder: quote it.
			doc, ok = tfparse.DecodeJSONTree(bareUnknown.ReplaceAllString(x, `$1"`+tfparse.UnknownText+`"`))
			if !ok {
				return containerSet{} // cannot tell until apply
			}
		}
		if !ok {
			return containerSet{known: true, invalid: "container definitions are not valid JSON"}
		}
		if l, isList := doc.([]any); isList {
			return containersFromTree(l)
		}
		return containerSet{known: true, invalid: "container definitions must be a JSON list of containers"}
	}
	return containerSet{}
}

// taskDef is one task definition instance to check.
type taskDef struct {
	address     string
	block       *tfparse.Block // nil for a JSON file
	inst        *tfparse.Instance
	file        string
	src         []byte
	cpu         string
	cpuKnown    bool
	memory      string
	memKnown    bool
	fargate     bool
	arch, os    string
	archRange   hcl.Range
	osRange     hcl.Range
	sizeRange   hcl.Range
	networkMode string
	execRole    string // source text or value, "" when unset
	taskRole    string
	roleRange   hcl.Range
	ciOwned     bool
	jsonFile    bool
	containers  containerSet
}

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

// containerName returns a container's name or "#n".
func containerName(c map[string]any, i int) string {
	if n, ok := treeString(c, "name"); ok {
		return n
	}
	return strconv.Itoa(i+1) + " (name unknown until apply)"
}
