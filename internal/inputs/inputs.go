// Package inputs reads an action's inputs with types. Values come from
// command-line flags, then INPUT_<NAME> variables (as the Actions runner
// sets them), then the default declared in action.yml. Every parse error
// names the input, the value and what is allowed.
package inputs

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecsflow/ecsflow/internal/actionspec"
)

// Error is a bad input value. Callers map it to exit code 2.
type Error struct {
	Input   string
	Value   string
	Reason  string
	Allowed []string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "input %q", e.Input)
	if e.Value != "" {
		fmt.Fprintf(&b, ": value %q", truncate(e.Value, 120))
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	if len(e.Allowed) > 0 {
		fmt.Fprintf(&b, "; allowed: %s", strings.Join(e.Allowed, ", "))
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Errorf builds an input Error for checks made outside this package, such as
// a path that does not exist.
func Errorf(input, value, format string, args ...any) error {
	return &Error{Input: input, Value: value, Reason: fmt.Sprintf(format, args...)}
}

// Lookup returns the raw value of an environment variable.
type Lookup func(key string) (string, bool)

// Inputs reads the inputs declared in one action.yml.
type Inputs struct {
	spec  *actionspec.Spec
	flags map[string]string
	env   Lookup
}

// New returns Inputs for spec. flags holds values given as --name=value on
// the command line; env looks up INPUT_* variables.
func New(spec *actionspec.Spec, flags map[string]string, env Lookup) *Inputs {
	if flags == nil {
		flags = map[string]string{}
	}
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	return &Inputs{spec: spec, flags: flags, env: env}
}

// EnvName is the variable the runner sets for an input: INPUT_ and the name
// upper-cased with spaces as underscores; hyphens stay.
func EnvName(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}

// Spec returns the action spec the inputs were declared in.
func (in *Inputs) Spec() *actionspec.Spec { return in.spec }

// Raw returns the trimmed value of an input and whether it was set
// explicitly (flag or non-empty variable) rather than taken from its default.
func (in *Inputs) Raw(name string) (string, bool) {
	decl, ok := in.spec.Input(name)
	if !ok {
		// A name missing from action.yml is a defect in the action, found
		// by its tests; never a user's fault, so no input error.
		panic(fmt.Sprintf("input %q is not declared in action.yml of %s", name, in.spec.Name))
	}
	// An empty value means "not given" wherever it comes from, as the runner
	// treats an empty `with:` value: the declared default applies.
	if v, ok := in.flags[name]; ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), true
	}
	if v, ok := in.env(EnvName(name)); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), true
	}
	return strings.TrimSpace(decl.Default), false
}

// String returns an input's value or its default.
func (in *Inputs) String(name string) string {
	v, _ := in.Raw(name)
	return v
}

// IsSet reports whether the user gave the input a value.
func (in *Inputs) IsSet(name string) bool {
	_, set := in.Raw(name)
	return set
}

// Required returns an input's value, or an error when it is empty.
func (in *Inputs) Required(name string) (string, error) {
	v := in.String(name)
	if v == "" {
		return "", &Error{Input: name, Reason: "is required but empty"}
	}
	return v, nil
}

// Bool parses true/false (also yes/no, on/off, 1/0; any case). Empty is false.
func (in *Inputs) Bool(name string) (bool, error) {
	v := in.String(name)
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0", "":
		return false, nil
	}
	return false, &Error{Input: name, Value: v, Reason: "is not a boolean", Allowed: []string{"true", "false"}}
}

// Int parses a whole number within [min, max]. Empty is 0 when 0 is allowed.
func (in *Inputs) Int(name string, min, max int) (int, error) {
	v := in.String(name)
	if v == "" {
		if min > 0 || max < 0 {
			return 0, &Error{Input: name, Reason: fmt.Sprintf("is empty; use a number from %d to %d", min, max)}
		}
		return 0, nil
	}
	outOfRange := &Error{Input: name, Value: v, Reason: fmt.Sprintf("is out of range; use a number from %d to %d", min, max)}
	n, err := strconv.Atoi(v)
	if errors.Is(err, strconv.ErrRange) {
		return 0, outOfRange
	}
	if err != nil {
		return 0, &Error{Input: name, Value: v, Reason: "is not a whole number"}
	}
	if n < min || n > max {
		return 0, outOfRange
	}
	return n, nil
}

// durationShape is what time.ParseDuration accepts, whatever the size: a
// value of this shape that does not parse is too big, not misspelt.
var durationShape = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)

// Duration parses a Go duration ("90s", "10m", "1h30m"); a bare number is
// read as seconds. It must lie within [min, max].
func (in *Inputs) Duration(name string, min, max time.Duration) (time.Duration, error) {
	v := in.String(name)
	if v == "" {
		if min > 0 {
			return 0, &Error{Input: name, Reason: fmt.Sprintf("is empty; use a duration from %s to %s", min, max)}
		}
		return 0, nil
	}
	outOfRange := &Error{Input: name, Value: v, Reason: fmt.Sprintf("is out of range; use a duration from %s to %s", min, max)}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// Bare seconds: bound them before the multiplication, which would
		// wrap around (18446744134 s is about one minute in int64 ns).
		if err != nil || n < int64((min+time.Second-1)/time.Second) || n > int64(max/time.Second) {
			return 0, outOfRange
		}
		d = time.Duration(n) * time.Second
	} else {
		d, err = time.ParseDuration(v)
		if err != nil && durationShape.MatchString(v) {
			return 0, outOfRange
		}
		if err != nil {
			return 0, &Error{Input: name, Value: v, Reason: "is not a duration; write it like 90s, 10m or 1h30m"}
		}
	}
	if d < min || d > max {
		return 0, outOfRange
	}
	return d, nil
}

// List splits an input on newlines and commas, trims each item, and drops
// empty items and lines starting with '#'.
func (in *Inputs) List(name string) []string {
	return SplitList(in.String(name))
}

// Lines splits an input on newlines only (for values that may hold commas),
// trims each line, and drops empty lines and lines starting with '#'.
func (in *Inputs) Lines(name string) []string {
	var out []string
	for _, l := range strings.Split(in.String(name), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// SplitList splits s on newlines and commas as List does.
func SplitList(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, item := range strings.Split(line, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// KV is one key=value pair, in input order.
type KV struct{ Key, Value string }

// Map parses key=value lines (one per line; the first '=' splits). Keys must
// be unique and non-empty.
func (in *Inputs) Map(name string) ([]KV, error) {
	var out []KV
	seen := map[string]bool{}
	for _, l := range in.Lines(name) {
		k, v, ok := strings.Cut(l, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, &Error{Input: name, Value: l, Reason: "is not a key=value line; write one KEY=value per line"}
		}
		if seen[k] {
			return nil, &Error{Input: name, Value: l, Reason: fmt.Sprintf("repeats the key %q", k)}
		}
		seen[k] = true
		out = append(out, KV{Key: k, Value: strings.TrimSpace(v)})
	}
	return out, nil
}

// Enum returns the value if it is one of allowed (case-insensitive; the
// canonical spelling from allowed is returned).
func (in *Inputs) Enum(name string, allowed ...string) (string, error) {
	v := in.String(name)
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a, nil
		}
	}
	shown := append([]string(nil), allowed...)
	sort.Strings(shown)
	return "", &Error{Input: name, Value: v, Reason: "is not a known value", Allowed: shown}
}

// JSON decodes the input into v; an empty input leaves v untouched.
func (in *Inputs) JSON(name string, v any) error {
	raw := in.String(name)
	if raw == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		var se *json.SyntaxError
		reason := "is not valid JSON: " + err.Error()
		if errors.As(err, &se) {
			reason = fmt.Sprintf("is not valid JSON (offset %d): %s", se.Offset, se.Error())
		}
		return &Error{Input: name, Value: raw, Reason: reason}
	}
	return nil
}
