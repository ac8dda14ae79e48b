package actions_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/ecsflow/ecsflow"
)

// numericInputs are the inputs of each action read as a whole number, a
// duration or a percentage (internal/inputs Int and Duration, deploy-ecs'
// percentages). validate and drift-check have none.
var numericInputs = map[string]map[string]string{
	"build-push": {"scan-timeout": "duration"},
	"deploy-ecs": {"desired-count": "int", "bake-time": "duration", "canary-percent": "percent", "canary-bake-time": "duration",
		"linear-step-percent": "percent", "linear-interval": "duration", "health-check-status": "int", "health-check-successes": "int",
		"health-check-failures": "int", "failed-tasks-threshold": "int", "timeout": "duration", "lock-timeout": "duration"},
	"rollback": {"timeout": "duration", "below-desired-for": "duration", "stuck-after": "duration", "recent-deploy": "duration", "lock-timeout": "duration"},
	"optimize": {"headroom": "percent", "lookback": "duration"},
}

// refusal is what the error says of a huge value for each kind of input:
// out of range with the allowed range, unless the value is not of the
// input's kind at all.
func refusal(kind, value string) string {
	switch {
	case kind == "percent":
		return `is not a percentage from [0-9.]+ to 100`
	case kind == "int" && strings.ContainsAny(value, "eh"):
		return `is not a whole number`
	case value == "1e400":
		return `is not a duration`
	case kind == "int":
		return `is out of range; use a number from -?\d+ to \d+`
	}
	return `is out of range; use a duration from \S+ to \S+`
}

// hugeNumbers overflow an int64 once read (as seconds, the first wraps
// around to about one minute).
var hugeNumbers = []string{"18446744134", "9223372036854775808", "-18446744134", "2562048h", "1e400"}

// numberLike is a default that reads as a number or a duration.
var numberLike = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h)?$`)

// An input with a numeric or duration default must be in numericInputs, so
// a new one cannot miss the overflow cases below.
func TestNumericInputsAreListed(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		raw, err := os.ReadFile(filepath.Join(a, "action.yml"))
		require.NoError(t, err)
		var s struct {
			Inputs map[string]struct {
				Default string `yaml:"default"`
			} `yaml:"inputs"`
		}
		require.NoError(t, yaml.Unmarshal(raw, &s))
		listed := map[string]bool{}
		for in := range numericInputs[a] {
			_, ok := s.Inputs[in]
			assert.True(t, ok, "%s: numericInputs names %s, which action.yml does not declare", a, in)
			listed[in] = true
		}
		for name, in := range s.Inputs {
			if numberLike.MatchString(in.Default) {
				assert.True(t, listed[name], "%s: input %s has the numeric default %q but is not in numericInputs", a, name, in.Default)
			}
		}
	}
}

// Every numeric input refuses a number too big for its type with exit 2,
// one error naming the input and its range, and no AWS call; none wraps
// around into an allowed value.
func TestHugeNumbersAreRefused(t *testing.T) {
	t.Parallel()
	for a, kinds := range numericInputs {
		for name, kind := range kinds {
			for _, v := range hugeNumbers {
				t.Run(a+"/"+name+"="+v, func(t *testing.T) {
					t.Parallel()
					r := run(t, a, inActions, merge(baselines[a], map[string]string{name: v}))
					assertBadInput(t, inActions, r, name)
					assert.Regexp(t, refusal(kind, v), r.stdout)
				})
			}
		}
	}
}
