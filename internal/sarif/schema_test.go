package sarif

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
)

// schemaValidator checks a JSON document against a JSON Schema draft-04
// document. It implements exactly the keywords the official SARIF 2.1.0
// schema uses (testdata/sarif-schema-2.1.0.json, copied from
// oasis-tcs/sarif-spec) and refuses schemas that use any other, so a
// silently ignored keyword cannot make a test pass.
type schemaValidator struct {
	root map[string]any
}

var supportedKeywords = map[string]bool{
	"$ref": true, "$schema": true, "additionalProperties": true, "anyOf": true, "default": true,
	"definitions": true, "description": true, "enum": true, "format": true, "id": true, "items": true,
	"maximum": true, "minItems": true, "minimum": true, "oneOf": true, "pattern": true, "properties": true,
	"required": true, "title": true, "type": true, "uniqueItems": true,
}

func newSchemaValidator(schema []byte) (*schemaValidator, error) {
	var root map[string]any
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, err
	}
	var check func(s map[string]any, path string) error
	check = func(s map[string]any, path string) error {
		for k, v := range s {
			if !supportedKeywords[k] {
				return fmt.Errorf("schema keyword %q at %s is not supported by this validator", k, path)
			}
			switch k {
			case "properties", "definitions":
				for name, sub := range v.(map[string]any) {
					if err := check(sub.(map[string]any), path+"/"+k+"/"+name); err != nil {
						return err
					}
				}
			case "items", "additionalProperties":
				if m, ok := v.(map[string]any); ok {
					if err := check(m, path+"/"+k); err != nil {
						return err
					}
				}
			case "anyOf", "oneOf":
				for i, sub := range v.([]any) {
					if err := check(sub.(map[string]any), fmt.Sprintf("%s/%s/%d", path, k, i)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if err := check(root, "#"); err != nil {
		return nil, err
	}
	return &schemaValidator{root: root}, nil
}

// Validate returns every violation found in doc.
func (v *schemaValidator) Validate(doc []byte) []string {
	dec := json.NewDecoder(strings.NewReader(string(doc)))
	dec.UseNumber()
	var inst any
	if err := dec.Decode(&inst); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var errs []string
	v.validate(v.root, inst, "$", &errs)
	sort.Strings(errs)
	return errs
}

func (v *schemaValidator) resolve(ref string) map[string]any {
	if !strings.HasPrefix(ref, "#/") {
		panic("unsupported $ref " + ref)
	}
	cur := any(v.root)
	for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		cur = cur.(map[string]any)[p]
	}
	return cur.(map[string]any)
}

func typeOf(x any) string {
	switch n := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if _, err := n.Int64(); err == nil {
			return "integer"
		}
		return "number"
	}
	return "unknown"
}

func typeMatches(want, got string) bool {
	return want == got || (want == "number" && got == "integer")
}

var dateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

func (v *schemaValidator) validate(s map[string]any, x any, path string, errs *[]string) {
	fail := func(format string, args ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, args...)) }
	if ref, ok := s["$ref"].(string); ok {
		v.validate(v.resolve(ref), x, path, errs)
		return
	}
	if t, ok := s["type"]; ok {
		got := typeOf(x)
		okType := false
		switch tt := t.(type) {
		case string:
			okType = typeMatches(tt, got)
		case []any:
			for _, e := range tt {
				if typeMatches(e.(string), got) {
					okType = true
				}
			}
		}
		if !okType {
			fail("type %s, want %v", got, t)
			return
		}
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if reflect.DeepEqual(normalise(e), normalise(x)) {
				found = true
			}
		}
		if !found {
			fail("value %v not in enum %v", x, enum)
		}
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		subs, ok := s[kw].([]any)
		if !ok {
			continue
		}
		n := 0
		for _, sub := range subs {
			var e []string
			v.validate(sub.(map[string]any), x, path, &e)
			if len(e) == 0 {
				n++
			}
		}
		if (kw == "anyOf" && n == 0) || (kw == "oneOf" && n != 1) {
			fail("%s: %d of %d alternatives match", kw, n, len(subs))
		}
	}
	switch val := x.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range anyStrings(s["required"]) {
			if _, ok := val[r]; !ok {
				fail("missing required property %q", r)
			}
		}
		for k, e := range val {
			if ps, ok := props[k]; ok {
				v.validate(ps.(map[string]any), e, path+"."+k, errs)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					fail("additional property %q is not allowed", k)
				}
			case map[string]any:
				v.validate(ap, e, path+"."+k, errs)
			}
		}
	case []any:
		if mi, ok := s["minItems"].(float64); ok && float64(len(val)) < mi {
			fail("%d items, want at least %v", len(val), mi)
		}
		if u, ok := s["uniqueItems"].(bool); ok && u {
			seen := map[string]bool{}
			for _, e := range val {
				b, _ := json.Marshal(e)
				if seen[string(b)] {
					fail("items are not unique")
					break
				}
				seen[string(b)] = true
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range val {
				v.validate(items, e, fmt.Sprintf("%s[%d]", path, i), errs)
			}
		}
	case json.Number:
		f, _ := new(big.Float).SetString(string(val))
		if m, ok := s["minimum"].(float64); ok && f.Cmp(big.NewFloat(m)) < 0 {
			fail("%s is below minimum %v", val, m)
		}
		if m, ok := s["maximum"].(float64); ok && f.Cmp(big.NewFloat(m)) > 0 {
			fail("%s is above maximum %v", val, m)
		}
	case string:
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(val) {
			fail("%q does not match pattern %s", val, p)
		}
		switch s["format"] {
		case "uri":
			if u, err := url.Parse(val); err != nil || u.Scheme == "" {
				fail("%q is not an absolute URI", val)
			}
		case "uri-reference":
			if _, err := url.Parse(val); err != nil {
				fail("%q is not a URI reference", val)
			}
		case "date-time":
			if !dateTime.MatchString(val) {
				fail("%q is not a date-time", val)
			} else if _, err := time.Parse(time.RFC3339Nano, val); err != nil {
				fail("%q is not a date-time: %v", val, err)
			}
		}
	}
}

func normalise(x any) any {
	b, _ := json.Marshal(x)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		out = append(out, e.(string))
	}
	return out
}
