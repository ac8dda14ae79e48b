package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// spec says how to compare one resource type's attributes.
type spec struct {
	// sets are attributes holding a set of nested blocks, compared as sets
	// of their listed sub-attributes (others the scanner cannot read).
	sets map[string][]string
	// maps are attributes whose keys are compared as a union (a key on one
	// side only is a change): tags, dimensions, container definitions.
	maps map[string]bool
	// canon normalises both sides of a flattened attribute before comparison.
	canon map[string]func(string) string
}

// none is how an absent value is shown.
const none = "(none)"

// compare diffs the wanted attributes (state view) against live ones. Only
// attributes the scanner put into live are compared: an attribute the
// scanner cannot read is never reported.
func compare(sp spec, want, live map[string]any) []Change {
	var out []Change
	roots := make([]string, 0, len(live))
	for k := range live {
		roots = append(roots, k)
	}
	sort.Strings(roots)
	for _, root := range roots {
		lv := live[root]
		wv := want[root]
		if keys, ok := sp.sets[root]; ok {
			ws, ls := blockSet(wv, keys), blockSet(lv, keys)
			removed, added := setDiff(ws, ls)
			if len(removed)+len(added) > 0 {
				out = append(out, Change{Attribute: root, Before: joinOrNone(removed), After: joinOrNone(added)})
			}
			continue
		}
		wf, lf := map[string]string{}, map[string]string{}
		flatten(root, wv, wf)
		flatten(root, lv, lf)
		keys := map[string]bool{}
		for k := range lf {
			keys[k] = true
		}
		if sp.maps[root] {
			for k := range wf {
				keys[k] = true
			}
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			a, b := wf[k], lf[k]
			if c := sp.canon[root]; c != nil {
				a, b = c(a), c(b)
			}
			if a == b {
				continue
			}
			out = append(out, Change{Attribute: k, Before: orNone(a), After: orNone(b)})
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

func joinOrNone(s []string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, "; ")
}

// flatten turns nested values into dotted paths. A list of one block is
// entered as a block (health_check.path); lists of scalars are sets; empty
// values vanish, so "" , [], {} and null compare equal.
func flatten(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		for k, e := range x {
			flatten(prefix+"."+k, e, out)
		}
	case map[string]string:
		for k, e := range x {
			if e != "" {
				out[prefix+"."+k] = e
			}
		}
	case []any:
		if len(x) == 0 {
			return
		}
		if len(x) == 1 {
			if m, ok := x[0].(map[string]any); ok {
				flatten(prefix, m, out)
				return
			}
		}
		var items []string
		for _, e := range x {
			if s := scalarOrJSON(e); s != "" {
				items = append(items, s)
			}
		}
		if len(items) > 0 {
			sort.Strings(items)
			out[prefix] = strings.Join(items, ", ")
		}
	case []string:
		if len(x) == 0 {
			return
		}
		items := append([]string(nil), x...)
		sort.Strings(items)
		out[prefix] = strings.Join(items, ", ")
	default:
		if s := scalarOrJSON(x); s != "" {
			out[prefix] = s
		}
	}
}

func scalarOrJSON(v any) string {
	if s := tfstate.Scalar(v); s != "" || v == nil {
		if n, ok := v.(json.Number); ok {
			return canonNumber(n.String())
		}
		return s
	}
	switch v.(type) {
	case string:
		return ""
	}
	b, _ := json.Marshal(stripEmpty(v))
	if string(b) == "null" {
		return ""
	}
	return string(b)
}

func canonNumber(s string) string {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

// blockSet renders each block of a set as "k=v k=v" over keys, sorted.
func blockSet(v any, keys []string) []string {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case []map[string]any:
		for _, m := range x {
			list = append(list, m)
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		var parts []string
		for _, k := range keys {
			f := map[string]string{}
			flatten(k, m[k], f)
			fk := make([]string, 0, len(f))
			for kk := range f {
				fk = append(fk, kk)
			}
			sort.Strings(fk)
			for _, kk := range fk {
				parts = append(parts, kk+"="+f[kk])
			}
		}
		s := strings.Join(parts, " ")
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func setDiff(want, live []string) (removed, added []string) {
	w, l := map[string]bool{}, map[string]bool{}
	for _, s := range want {
		w[s] = true
	}
	for _, s := range live {
		l[s] = true
	}
	for _, s := range want {
		if !l[s] {
			removed = append(removed, s)
		}
	}
	for _, s := range live {
		if !w[s] {
			added = append(added, s)
		}
	}
	return removed, added
}

// stripEmpty drops null, "", false, 0, empty lists and maps from a decoded
// JSON value, so documents that differ only in spelled-out defaults compare
// equal.
func stripEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e = stripEmpty(e); e != nil {
				out[k] = e
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if e = stripEmpty(e); e != nil {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	case bool:
		if !x {
			return nil
		}
	case json.Number:
		if f, err := x.Float64(); err == nil && f == 0 {
			return nil
		}
	case float64:
		if x == 0 {
			return nil
		}
	}
	return v
}

// canonJSON normalises a JSON document: keys sorted, empty values dropped.
// A value that is not JSON is returned unchanged.
func canonJSON(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return s
	}
	v = stripEmpty(v)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(normPolicy(v))
	return strings.TrimSpace(b.String())
}

// normPolicy makes IAM policy documents comparable: a one-element list and
// its element are the same value to IAM, as are Action "s3:GetObject" and
// ["s3:GetObject"].
func normPolicy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normPolicy(e)
		}
		return x
	case []any:
		if len(x) == 1 {
			if _, isMap := x[0].(map[string]any); !isMap {
				return normPolicy(x[0])
			}
		}
		for i, e := range x {
			x[i] = normPolicy(e)
		}
		return x
	}
	return v
}

// Ignorer decides whether a difference is expected.
type Ignorer struct {
	patterns []string
}

// NewIgnorer validates ignore patterns. A pattern is a resource address or
// type glob, optionally followed by an attribute path: aws_ecs_service.*.desired_count,
// aws_ecs_service.web, *.tags.LastScanned. '*' matches any run of characters
// except '.'; '**' matches across dots.
func NewIgnorer(patterns []string) (*Ignorer, error) {
	for _, p := range patterns {
		if p == "" || strings.Trim(p, "*.") == "" {
			return nil, fmt.Errorf("pattern %q would ignore everything; name a type, address or attribute", p)
		}
		if strings.ContainsAny(p, " \t") {
			return nil, fmt.Errorf("pattern %q contains spaces", p)
		}
	}
	return &Ignorer{patterns: patterns}, nil
}

// Match reports whether the whole resource (attr == "") or the attribute is
// ignored. addr is the state address or, for unmanaged resources, type.id.
func (ig *Ignorer) Match(addr, attr string) bool {
	if ig == nil {
		return false
	}
	cands := []string{addr}
	// Also match without the module path and the instance key.
	short := addr
	if i := strings.LastIndex(short, "module."); i >= 0 {
		rest := short[i+len("module."):]
		if j := strings.Index(rest, "."); j >= 0 {
			short = rest[j+1:]
		}
	}
	if i := strings.Index(short, "["); i >= 0 {
		short = short[:i]
	}
	if short != addr {
		cands = append(cands, short)
	}
	for _, p := range ig.patterns {
		for _, c := range cands {
			if globMatch(p, c) {
				return true
			}
			if attr == "" {
				continue
			}
			full := c + "." + attr
			if globMatch(p, full) {
				return true
			}
			// An ignored attribute covers its sub-attributes: tags covers tags.Owner.
			parts := strings.Split(attr, ".")
			for n := 1; n < len(parts); n++ {
				if globMatch(p, c+"."+strings.Join(parts[:n], ".")) {
					return true
				}
			}
		}
	}
	return false
}

// globMatch matches s against p where '*' stops at dots and '**' does not.
func globMatch(p, s string) bool {
	return globRegexp(p).MatchString(s)
}

var (
	globMu    sync.Mutex
	globCache = map[string]*regexp.Regexp{}
)

func globRegexp(p string) *regexp.Regexp {
	globMu.Lock()
	defer globMu.Unlock()
	if re, ok := globCache[p]; ok {
		return re
	}
	var b strings.Builder
	b.WriteString("^")
	// Walk runes, not bytes: quoting half of a multi-byte character would
	// make an invalid expression.
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '*' && i+1 < len(rs) && rs[i+1] == '*':
			b.WriteString(".*")
			i++
		case rs[i] == '*':
			b.WriteString(`[^.]*`)
		case rs[i] == '?':
			b.WriteString(`[^.]`)
		default:
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		}
	}
	b.WriteString("$")
	re := regexp.MustCompile(b.String())
	globCache[p] = re
	return re
}
