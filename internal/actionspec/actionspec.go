// Package actionspec reads an action's action.yml, the single source of
// truth for its inputs and outputs, and renders documentation from it.
package actionspec

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Spec is the part of an action.yml that describes the action's interface.
type Spec struct {
	Name        string
	Description string
	Inputs      []Input
	Outputs     []Output
}

// Input is one declared input, in file order.
type Input struct {
	Name        string
	Description string
	Default     string
	HasDefault  bool
	Required    bool
}

// Output is one declared output, in file order.
type Output struct {
	Name        string
	Description string
}

// Parse reads an action.yml document. Inputs and outputs keep the order in
// which the file declares them, so generated docs follow the author's order.
func Parse(data []byte) (*Spec, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("failed to parse action.yml: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("failed to parse action.yml: top level is not a mapping")
	}
	root := doc.Content[0]
	s := &Spec{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		switch key {
		case "name":
			s.Name = val.Value
		case "description":
			s.Description = strings.TrimSpace(val.Value)
		case "inputs":
			if val.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("failed to parse action.yml: inputs is not a mapping (line %d)", val.Line)
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				in := Input{Name: val.Content[j].Value}
				var raw struct {
					Description string  `yaml:"description"`
					Default     *string `yaml:"default"`
					Required    bool    `yaml:"required"`
				}
				if err := val.Content[j+1].Decode(&raw); err != nil {
					return nil, fmt.Errorf("failed to parse action.yml: input %q: %w", in.Name, err)
				}
				in.Description = strings.TrimSpace(raw.Description)
				in.Required = raw.Required
				if raw.Default != nil {
					in.Default, in.HasDefault = *raw.Default, true
				}
				s.Inputs = append(s.Inputs, in)
			}
		case "outputs":
			if val.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("failed to parse action.yml: outputs is not a mapping (line %d)", val.Line)
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				out := Output{Name: val.Content[j].Value}
				var raw struct {
					Description string `yaml:"description"`
				}
				if err := val.Content[j+1].Decode(&raw); err != nil {
					return nil, fmt.Errorf("failed to parse action.yml: output %q: %w", out.Name, err)
				}
				out.Description = strings.TrimSpace(raw.Description)
				s.Outputs = append(s.Outputs, out)
			}
		}
	}
	return s, nil
}

// MustParse is Parse for an action.yml embedded in a binary, where a parse
// failure is a build defect caught by the action's own tests.
func MustParse(data []byte) *Spec {
	s, err := Parse(data)
	if err != nil {
		panic(err)
	}
	return s
}

// Input returns the declared input with the given name.
func (s *Spec) Input(name string) (Input, bool) {
	for _, in := range s.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return Input{}, false
}

// InputNames returns the declared input names, sorted.
func (s *Spec) InputNames() []string {
	names := make([]string, 0, len(s.Inputs))
	for _, in := range s.Inputs {
		names = append(names, in.Name)
	}
	sort.Strings(names)
	return names
}

// MarkdownInputs renders the inputs as a markdown table.
func (s *Spec) MarkdownInputs() string {
	var b strings.Builder
	b.WriteString("| Input | Required | Default | Description |\n")
	b.WriteString("| --- | --- | --- | --- |\n")
	for _, in := range s.Inputs {
		def := ""
		if in.HasDefault && in.Default != "" {
			def = "`" + cell(in.Default) + "`"
		}
		req := "no"
		if in.Required {
			req = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", in.Name, req, def, cell(in.Description))
	}
	return b.String()
}

// MarkdownOutputs renders the outputs as a markdown table.
func (s *Spec) MarkdownOutputs() string {
	var b strings.Builder
	b.WriteString("| Output | Description |\n")
	b.WriteString("| --- | --- |\n")
	for _, out := range s.Outputs {
		fmt.Fprintf(&b, "| `%s` | %s |\n", out.Name, cell(out.Description))
	}
	return b.String()
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "<br>")
}

// Markers delimit the generated sections of a README.
const (
	InputsBegin  = "<!-- BEGIN GENERATED INPUTS: edit action.yml, then run `make docs` -->"
	InputsEnd    = "<!-- END GENERATED INPUTS -->"
	OutputsBegin = "<!-- BEGIN GENERATED OUTPUTS: edit action.yml, then run `make docs` -->"
	OutputsEnd   = "<!-- END GENERATED OUTPUTS -->"
)

// RenderReadme replaces the generated input and output sections of readme
// with tables rendered from s. Both marker pairs must be present.
func (s *Spec) RenderReadme(readme []byte) ([]byte, error) {
	out, err := replaceBetween(readme, InputsBegin, InputsEnd, s.MarkdownInputs())
	if err != nil {
		return nil, err
	}
	return replaceBetween(out, OutputsBegin, OutputsEnd, s.MarkdownOutputs())
}

func replaceBetween(doc []byte, begin, end, body string) ([]byte, error) {
	i := bytes.Index(doc, []byte(begin))
	j := bytes.Index(doc, []byte(end))
	if i < 0 || j < 0 || j < i {
		return nil, fmt.Errorf("README lacks the marker pair %q ... %q", begin, end)
	}
	var b bytes.Buffer
	b.Write(doc[:i+len(begin)])
	b.WriteString("\n")
	b.WriteString(body)
	b.Write(doc[j:])
	return b.Bytes(), nil
}
