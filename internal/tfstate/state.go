package tfstate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// State is a Terraform state document (format version 4).
type State struct {
	Version          int        `json:"version"`
	TerraformVersion string     `json:"terraform_version"`
	Serial           int64      `json:"serial"`
	Lineage          string     `json:"lineage"`
	Resources        []Resource `json:"resources"`
}

// Resource is one resource block of the state: every instance created by
// one `resource` (or `data`) block of the configuration.
type Resource struct {
	Module    string     `json:"module,omitempty"`
	Mode      string     `json:"mode"`
	Type      string     `json:"type"`
	Name      string     `json:"name"`
	Provider  string     `json:"provider"`
	Instances []Instance `json:"instances"`
}

// Instance is one instance of a resource, with the attributes Terraform
// recorded after its last apply or refresh.
type Instance struct {
	IndexKey   any            `json:"index_key,omitempty"`
	Status     string         `json:"status,omitempty"`
	Attributes map[string]any `json:"attributes"`
}

// FormatError says that a document is not Terraform state JSON.
type FormatError struct {
	Reason string
}

// Error says why the document is not state.
func (e *FormatError) Error() string { return "not a Terraform state (format version 4): " + e.Reason }

// Parse decodes a Terraform state document. Anything that is not JSON
// state of format version 4 is a *FormatError.
func Parse(data []byte) (*State, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, &FormatError{Reason: "the document is empty"}
	}
	if data[0] != '{' {
		return nil, &FormatError{Reason: "the document is not a JSON object"}
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, &FormatError{Reason: "invalid JSON: " + err.Error()}
	}
	if _, ok := probe["version"]; !ok {
		return nil, &FormatError{Reason: `it has no "version" field`}
	}
	if _, ok := probe["resources"]; !ok {
		if _, v3 := probe["modules"]; v3 {
			return nil, &FormatError{Reason: "it is format version 3 (Terraform 0.11 or older); run terraform 0.12+ once to upgrade it"}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var s State
	if err := dec.Decode(&s); err != nil {
		return nil, &FormatError{Reason: "unexpected structure: " + err.Error()}
	}
	if s.Version != 4 {
		return nil, &FormatError{Reason: fmt.Sprintf("format version %d is not supported; only version 4 is", s.Version)}
	}
	for i, r := range s.Resources {
		if r.Type == "" || r.Name == "" {
			return nil, &FormatError{Reason: fmt.Sprintf("resource %d has no type or name", i)}
		}
	}
	return &s, nil
}

// Managed returns every instance of a managed resource (data sources are
// skipped), sorted by address.
func (s *State) Managed() []Object {
	var out []Object
	for _, r := range s.Resources {
		if r.Mode != "" && r.Mode != "managed" {
			continue
		}
		for _, in := range r.Instances {
			if in.Status == "tainted" {
				continue
			}
			out = append(out, Object{
				Address:    address(r.Module, r.Type, r.Name, in.IndexKey),
				Config:     address(r.Module, r.Type, r.Name, nil),
				Type:       r.Type,
				Name:       r.Name,
				Attributes: in.Attributes,
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// Object is one managed resource instance, flattened for drift detection.
type Object struct {
	// Address is the instance address, e.g. module.app.aws_ecs_service.web["a"].
	Address string
	// Config is the address of the resource block without the instance key,
	// which is what lifecycle.ignore_changes applies to.
	Config     string
	Type       string
	Name       string
	Attributes map[string]any
}

// ID returns the instance's "id" attribute.
func (o Object) ID() string { return o.String("id") }

// String returns a string attribute, or "" when it is absent or not a
// scalar.
func (o Object) String(name string) string {
	return Scalar(o.Attributes[name])
}

// Scalar renders a scalar attribute value as Terraform shows it; lists and
// maps give "".
func Scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func address(module, typ, name string, key any) string {
	var b strings.Builder
	if module != "" {
		b.WriteString(module + ".")
	}
	b.WriteString(typ + "." + name)
	switch k := key.(type) {
	case nil:
	case string:
		b.WriteString("[" + strconv.Quote(k) + "]")
	default:
		b.WriteString("[" + Scalar(k) + "]")
	}
	return b.String()
}

// ErrNotFound is wrapped by Load when the state object or file does not exist.
var ErrNotFound = errors.New("state not found")
