package inputs_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/inputs"
)

func spec(t *testing.T) *actionspec.Spec {
	t.Helper()
	b, err := os.ReadFile("testdata/action.yml")
	require.NoError(t, err)
	s, err := actionspec.Parse(b)
	require.NoError(t, err)
	return s
}

func env(vars map[string]string) inputs.Lookup {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// newInputs builds Inputs from flags and INPUT_ variables.
func newInputs(t *testing.T, flags, vars map[string]string) *inputs.Inputs {
	return inputs.New(spec(t), flags, env(vars))
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"path":         "INPUT_PATH",
		"fail-on":      "INPUT_FAIL-ON",
		"role to use":  "INPUT_ROLE_TO_USE",
		"aws-region":   "INPUT_AWS-REGION",
		"Mixed-Case_x": "INPUT_MIXED-CASE_X",
	}
	for in, want := range cases {
		assert.Equal(t, want, inputs.EnvName(in), in)
	}
}

// A flag beats an INPUT_ variable, which beats the default; an empty
// variable counts as unset (the runner sets every declared input).
func TestPrecedence(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		flags   map[string]string
		vars    map[string]string
		want    string
		wantSet bool
	}{
		{"default", nil, nil, "world", false},
		{"variable", nil, map[string]string{"INPUT_NAME": "  from-env  "}, "from-env", true},
		{"empty variable is the default", nil, map[string]string{"INPUT_NAME": "   "}, "world", false},
		{"flag beats variable", map[string]string{"name": "from-flag"}, map[string]string{"INPUT_NAME": "from-env"}, "from-flag", true},
		{"empty flag is the default, as an empty variable", map[string]string{"name": ""}, nil, "world", false},
		{"empty flag falls through to the variable", map[string]string{"name": " "}, map[string]string{"INPUT_NAME": "from-env"}, "from-env", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := newInputs(t, tc.flags, tc.vars)
			v, set := in.Raw("name")
			assert.Equal(t, tc.want, v)
			assert.Equal(t, tc.wantSet, set)
			assert.Equal(t, tc.wantSet, in.IsSet("name"))
		})
	}
	t.Run("hyphenated names keep the hyphen", func(t *testing.T) {
		t.Parallel()
		in := newInputs(t, nil, map[string]string{"INPUT_FAIL-ON": "warning", "INPUT_FAIL_ON": "wrong"})
		assert.Equal(t, "warning", in.String("fail-on"))
	})
}

// Every typed parser names the input, the value and what is allowed.
func TestTypeErrorsNameTheInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		input   string
		value   string
		call    func(in *inputs.Inputs) error
		reason  string
		allowed []string
	}{
		{"required", "cluster", "", func(in *inputs.Inputs) error { _, err := in.Required("cluster"); return err }, "is required but empty", nil},
		{"bool", "wait", "maybe", func(in *inputs.Inputs) error { _, err := in.Bool("wait"); return err }, "is not a boolean", []string{"true", "false"}},
		{"int not a number", "count", "three", func(in *inputs.Inputs) error { _, err := in.Int("count", 1, 10); return err }, "is not a whole number", nil},
		{"int empty without default", "replicas", "", func(in *inputs.Inputs) error { _, err := in.Int("replicas", 1, 10); return err }, "is empty; use a number from 1 to 10", nil},
		{"int out of range", "count", "11", func(in *inputs.Inputs) error { _, err := in.Int("count", 1, 10); return err }, "is out of range; use a number from 1 to 10", nil},
		{"duration", "timeout", "soon", func(in *inputs.Inputs) error {
			_, err := in.Duration("timeout", time.Second, time.Hour)
			return err
		}, "is not a duration; write it like 90s, 10m or 1h30m", nil},
		{"duration empty without default", "grace", "", func(in *inputs.Inputs) error {
			_, err := in.Duration("grace", time.Second, time.Hour)
			return err
		}, "is empty; use a duration from 1s to 1h0m0s", nil},
		{"duration out of range", "timeout", "2h", func(in *inputs.Inputs) error {
			_, err := in.Duration("timeout", time.Second, time.Hour)
			return err
		}, "is out of range; use a duration from 1s to 1h0m0s", nil},
		{"map without =", "env", "A=1\nnot a pair", func(in *inputs.Inputs) error { _, err := in.Map("env"); return err }, "is not a key=value line; write one KEY=value per line", nil},
		{"map duplicate", "env", "A=1\nA=2", func(in *inputs.Inputs) error { _, err := in.Map("env"); return err }, `repeats the key "A"`, nil},
		{"map empty key", "env", "=x", func(in *inputs.Inputs) error { _, err := in.Map("env"); return err }, "is not a key=value line; write one KEY=value per line", nil},
		{"enum", "strategy", "yolo", func(in *inputs.Inputs) error { _, err := in.Enum("strategy", "rolling", "canary"); return err }, "is not a known value", []string{"canary", "rolling"}},
		{"json", "config", `{"a":`, func(in *inputs.Inputs) error { var v map[string]any; return in.JSON("config", &v) }, "is not valid JSON", nil},
		{"json wrong type", "config", `[1,2]`, func(in *inputs.Inputs) error { var v map[string]any; return in.JSON("config", &v) }, "is not valid JSON", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := newInputs(t, map[string]string{tc.input: tc.value}, nil)
			err := tc.call(in)
			require.Error(t, err)
			var ie *inputs.Error
			require.True(t, errors.As(err, &ie), "%T", err)
			assert.Equal(t, tc.input, ie.Input)
			assert.True(t, strings.HasPrefix(ie.Reason, tc.reason), "reason %q", ie.Reason)
			assert.Equal(t, tc.allowed, ie.Allowed)
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, `input "`+tc.input+`"`), msg)
			if tc.value != "" {
				assert.Contains(t, msg, "value ")
			}
			for _, a := range tc.allowed {
				assert.Contains(t, msg, a)
			}
			assert.NotContains(t, msg, "\n\n")
		})
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	e := &inputs.Error{Input: "builder", Value: "podman", Reason: "is not a known value", Allowed: []string{"auto", "buildah", "docker"}}
	assert.Equal(t, `input "builder": value "podman": is not a known value; allowed: auto, buildah, docker`, e.Error())
	long := &inputs.Error{Input: "x", Value: strings.Repeat("a", 200), Reason: "is bad"}
	assert.Contains(t, long.Error(), strings.Repeat("a", 120)+"…")
	assert.NotContains(t, long.Error(), strings.Repeat("a", 121))
	err := inputs.Errorf("path", "nope/", "does not exist; give a directory of %s files", "*.tf")
	assert.Equal(t, `input "path": value "nope/": does not exist; give a directory of *.tf files`, err.Error())
}

func TestTypedValues(t *testing.T) {
	t.Parallel()
	in := newInputs(t, map[string]string{
		"wait":     "NO",
		"count":    "7",
		"timeout":  "90",
		"services": "a, b\n# comment\n\nc,,d ",
		"commands": "echo a,b\n  # skipped\n echo c ",
		"env":      "A=1\n B = two=2 \n# comment\nEMPTY=",
		"strategy": "CANARY",
		"config":   `{"k": [1, 2]}`,
	}, nil)
	b, err := in.Bool("wait")
	require.NoError(t, err)
	assert.False(t, b)
	n, err := in.Int("count", 1, 10)
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	d, err := in.Duration("timeout", time.Second, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, d, "a bare number is seconds")
	assert.Equal(t, []string{"a", "b", "c", "d"}, in.List("services"))
	assert.Equal(t, []string{"echo a,b", "echo c"}, in.Lines("commands"))
	kv, err := in.Map("env")
	require.NoError(t, err)
	assert.Equal(t, []inputs.KV{{Key: "A", Value: "1"}, {Key: "B", Value: "two=2"}, {Key: "EMPTY", Value: ""}}, kv)
	s, err := in.Enum("strategy", "rolling", "canary")
	require.NoError(t, err)
	assert.Equal(t, "canary", s, "the canonical spelling")
	var cfg map[string][]int
	require.NoError(t, in.JSON("config", &cfg))
	assert.Equal(t, map[string][]int{"k": {1, 2}}, cfg)

	// Defaults.
	def := newInputs(t, nil, nil)
	w, err := def.Bool("wait")
	require.NoError(t, err)
	assert.True(t, w)
	c, err := def.Int("count", 1, 10)
	require.NoError(t, err)
	assert.Equal(t, 3, c)
	to, err := def.Duration("timeout", time.Second, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 30*time.Minute, to)
	assert.Nil(t, def.List("services"))
	m, err := def.Map("env")
	require.NoError(t, err)
	assert.Empty(t, m)
	var untouched = map[string]any{"keep": true}
	require.NoError(t, def.JSON("config", &untouched))
	assert.Equal(t, map[string]any{"keep": true}, untouched)
}

func TestBoolSpellings(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"true": true, "True": true, "yes": true, "on": true, "1": true, "false": false, "No": false, "off": false, "0": false} {
		in := newInputs(t, map[string]string{"wait": v}, nil)
		got, err := in.Bool("wait")
		require.NoError(t, err, v)
		assert.Equal(t, want, got, v)
	}
}

func TestUndeclaredInputIsADefectNotAUserError(t *testing.T) {
	t.Parallel()
	in := newInputs(t, nil, nil)
	assert.PanicsWithValue(t, `input "nope" is not declared in action.yml of ecsflow probe`, func() { in.String("nope") })
}

// Numbers too big for the multiplication to a duration, or for an int, are
// refused as out of range, never wrapped around into an allowed value
// (18446744134 seconds wraps to about one minute).
func TestHugeNumbersAreOutOfRange(t *testing.T) {
	t.Parallel()
	durations := []string{
		"18446744134", "9223372036854775807", "9223372036854775808", "-18446744134", "99999999999999999999999",
		"18446744134s", "2562048h", "9999999999999999999ns", "-9223372036854775808",
	}
	for _, v := range durations {
		t.Run("duration/"+v, func(t *testing.T) {
			t.Parallel()
			_, err := newInputs(t, map[string]string{"timeout": v}, nil).Duration("timeout", time.Minute, 12*time.Hour)
			var ie *inputs.Error
			require.ErrorAs(t, err, &ie, "%s must be refused", v)
			assert.Equal(t, "timeout", ie.Input)
			assert.Contains(t, ie.Reason, "out of range; use a duration from 1m0s to 12h0m0s")
		})
	}
	ints := []string{"18446744134", "9223372036854775808", "-9223372036854775809", "99999999999999999999999"}
	for _, v := range ints {
		t.Run("int/"+v, func(t *testing.T) {
			t.Parallel()
			_, err := newInputs(t, map[string]string{"count": v}, nil).Int("count", 1, 10)
			var ie *inputs.Error
			require.ErrorAs(t, err, &ie, "%s must be refused", v)
			assert.Equal(t, "count", ie.Input)
			assert.Contains(t, ie.Reason, "out of range; use a number from 1 to 10")
		})
	}
	// the bounds themselves, as bare seconds, still hold
	for v, want := range map[string]time.Duration{"60": time.Minute, "43200": 12 * time.Hour} {
		d, err := newInputs(t, map[string]string{"timeout": v}, nil).Duration("timeout", time.Minute, 12*time.Hour)
		require.NoError(t, err)
		assert.Equal(t, want, d)
	}
	_, err := newInputs(t, map[string]string{"timeout": "59"}, nil).Duration("timeout", time.Minute, 12*time.Hour)
	require.Error(t, err)
}
