package policy

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/open-policy-agent/opa/v1/rego"
)

// decodeResults reads a rule's value the way conftest does: a set of
// strings, or of objects with a msg key; a rule that is simply true is one
// result whose message names the rule.
func decodeResults(r ruleRef, rs rego.ResultSet) ([]Result, error) {
	var out []Result
	for _, res := range rs {
		for _, ex := range res.Expressions {
			items, err := resultItems(r, ex.Value)
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Msg < out[j].Msg })
	return out, nil
}

func resultItems(r ruleRef, v any) ([]Result, error) {
	base := Result{Package: r.pkg, Rule: r.name, Kind: r.kind}
	switch x := v.(type) {
	case bool:
		if !x {
			return nil, nil
		}
		base.Msg = fmt.Sprintf("data.%s.%s is true", r.pkg, r.name)
		return []Result{base}, nil
	case []any:
		out := make([]Result, 0, len(x))
		for _, it := range x {
			res, err := resultItem(base, it)
			if err != nil {
				return nil, err
			}
			out = append(out, res)
		}
		return out, nil
	}
	return nil, &Error{Msg: fmt.Sprintf("data.%s.%s is a %T; a deny, violation or warn rule must be a set of strings or of objects with a msg key (deny contains msg if { ... })", r.pkg, r.name, v)}
}

func resultItem(base Result, it any) (Result, error) {
	switch x := it.(type) {
	case string:
		base.Msg = x
		return base, nil
	case map[string]any:
		msg, ok := x["msg"].(string)
		if !ok {
			return base, &Error{Msg: fmt.Sprintf("data.%s.%s produced an object without a string msg key: %s", base.Package, base.Rule, compact(x))}
		}
		base.Msg = msg
		base.Resource, _ = x["resource"].(string)
		base.File, _ = x["file"].(string)
		base.Severity, _ = x["severity"].(string)
		if n, ok := x["line"].(json.Number); ok {
			l, _ := n.Int64()
			base.Line = int(l)
		}
		return base, nil
	}
	return base, &Error{Msg: fmt.Sprintf("data.%s.%s produced %s; give a string or an object with a msg key", base.Package, base.Rule, compact(it))}
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 200 {
		return fmt.Sprintf("%.200v", v)
	}
	return string(b)
}
