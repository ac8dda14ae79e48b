package policy

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func src(files map[string]string) []Source {
	m := fstest.MapFS{}
	for k, v := range files {
		m[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return []Source{{Name: "org", FS: m}}
}

func TestEngineReadsConftestRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		files map[string]string
		ns    []string
		input map[string]any
		want  []Result
	}{
		{
			name:  "string deny in main",
			files: map[string]string{"a.rego": "package main\ndeny contains msg if {\n input.x > 1\n msg := \"x too big\"\n}\n"},
			input: map[string]any{"x": 2},
			want:  []Result{{Package: "main", Rule: "deny", Kind: Deny, Msg: "x too big"}},
		},
		{
			name:  "nothing when the rule does not hold",
			files: map[string]string{"a.rego": "package main\ndeny contains \"x\" if input.x > 1\n"},
			input: map[string]any{"x": 1},
		},
		{
			name:  "object with resource, line and severity; suffixed warn and violation",
			files: map[string]string{"a.rego": "package main\nwarn_size contains {\"msg\": \"big\", \"resource\": \"aws_x.a\", \"line\": 3, \"severity\": \"note\"} if true\nviolation contains \"v\" if true\n"},
			want: []Result{
				{Package: "main", Rule: "violation", Kind: Deny, Msg: "v"},
				{Package: "main", Rule: "warn_size", Kind: Warn, Msg: "big", Resource: "aws_x.a", Line: 3, Severity: "note"},
			},
		},
		{
			name:  "other packages only when named",
			files: map[string]string{"a.rego": "package main\ndeny contains \"m\" if true\n", "b.rego": "package org.tags\ndeny contains \"t\" if true\n"},
			ns:    []string{"org.tags"},
			want:  []Result{{Package: "org.tags", Rule: "deny", Kind: Deny, Msg: "t"}},
		},
		{
			name:  "star evaluates every package; helpers and tests are not rules",
			files: map[string]string{"a.rego": "package main\ndeny contains \"m\" if true\ndenied := 1\n", "b.rego": "package b\nwarn contains \"w\" if true\n", "b_test.rego": "package b\ntest_x if false\n"},
			ns:    []string{"*"},
			want:  []Result{{Package: "b", Rule: "warn", Kind: Warn, Msg: "w"}, {Package: "main", Rule: "deny", Kind: Deny, Msg: "m"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(src(tc.files), Options{Namespaces: tc.ns})
			require.NoError(t, err)
			got, err := e.Eval(context.Background(), tc.input)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestEngineErrorsNameFileAndLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		files   map[string]string
		compile bool
		want    string
	}{
		{name: "syntax", files: map[string]string{"p/a.rego": "package main\n\ndeny contains msg if {\n  msg := \n}\n"}, compile: true, want: "org/p/a.rego:5: unexpected } token"},
		{name: "unsafe variable", files: map[string]string{"a.rego": "package main\ndeny contains msg if {\n  input.x == y\n  msg := \"m\"\n}\n"}, compile: true, want: "org/a.rego:3: var y is unsafe"},
		{name: "runtime builtin error", files: map[string]string{"a.rego": "package main\ndeny contains msg if {\n  n := to_number(\"abc\")\n  msg := sprintf(\"%v\", [n])\n}\n"}, want: "org/a.rego:3: data.main.deny failed: "},
		{name: "conflict", files: map[string]string{"a.rego": "package main\n\ndeny := 1 if true\ndeny := 2 if true\n"}, want: "org/a.rego:"},
		{name: "network access", files: map[string]string{"a.rego": "package main\n\ndeny contains msg if {\n  r := http.send({\"method\": \"GET\", \"url\": \"http://127.0.0.1:9\"})\n  msg := r.body\n}\n"}, compile: true, want: "org/a.rego:4: undefined function http.send"},
		{name: "environment of the runner", files: map[string]string{"a.rego": "package main\n\ndeny contains msg if {\n  msg := opa.runtime().env.GITHUB_TOKEN\n}\n"}, compile: true, want: "org/a.rego:4: undefined function opa.runtime"},
		{name: "DNS", files: map[string]string{"a.rego": "package main\ndeny contains msg if {\n  msg := net.lookup_ip_addr(\"example.com\")\n}\n"}, compile: true, want: "org/a.rego:3: undefined function net.lookup_ip_addr"},
		{name: "wrong rule type", files: map[string]string{"a.rego": "package main\ndeny := 7\n"}, want: "data.main.deny is a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(src(tc.files), Options{})
			if !tc.compile {
				require.NoError(t, err)
				_, err = e.Eval(context.Background(), map[string]any{})
			}
			var pe *Error
			require.ErrorAs(t, err, &pe)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestEngineReadsData(t *testing.T) {
	t.Parallel()
	e, err := New(src(map[string]string{"a.rego": "package main\ndeny contains sprintf(\"max %d\", [data.limits.max]) if input.n > data.limits.max\n"}),
		Options{Data: map[string]any{"limits": map[string]any{"max": 3}}})
	require.NoError(t, err)
	got, err := e.Eval(context.Background(), map[string]any{"n": 4})
	require.NoError(t, err)
	require.Equal(t, []Result{{Package: "main", Rule: "deny", Kind: Deny, Msg: "max 3"}}, got)
}
