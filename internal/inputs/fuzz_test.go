package inputs_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/inputs"
)

// FuzzTypedInputs gives one arbitrary value to every typed getter. An
// accepted value lies within its range and means what was written (a bare
// number of seconds is exactly that many seconds, no wrap-around); a
// refused one is an *inputs.Error naming the input.
func FuzzTypedInputs(f *testing.F) {
	f.Fuzz(func(t *testing.T, v string) {
		in := newInputs(t, map[string]string{"count": v, "timeout": v, "wait": v, "strategy": v, "env": v, "config": v, "services": v}, nil)
		named := func(err error, name string) {
			var ie *inputs.Error
			require.True(t, errors.As(err, &ie), "%T is not an *inputs.Error", err)
			require.Equal(t, name, ie.Input)
			require.Contains(t, err.Error(), name)
		}
		if n, err := in.Int("count", 1, 100); err != nil {
			named(err, "count")
		} else {
			require.True(t, n >= 1 && n <= 100, "count %d out of range", n)
			given, err := strconv.Atoi(in.String("count"))
			require.NoError(t, err)
			require.Equal(t, given, n, "the value used is not the value given (or the default)")
		}
		const lo, hi = time.Second, 6 * time.Hour
		if d, err := in.Duration("timeout", lo, hi); err != nil {
			named(err, "timeout")
		} else {
			require.True(t, d >= lo && d <= hi, "timeout %s out of range", d)
			if n, err := strconv.ParseInt(in.String("timeout"), 10, 64); err == nil {
				require.LessOrEqual(t, n, int64(math.MaxInt64/int64(time.Second)), "a number of seconds that overflows was accepted as %s", d)
				require.Equal(t, time.Duration(n)*time.Second, d)
			}
		}
		if _, err := in.Bool("wait"); err != nil {
			named(err, "wait")
		}
		if s, err := in.Enum("strategy", "rolling", "canary"); err != nil {
			named(err, "strategy")
		} else {
			require.Contains(t, []string{"rolling", "canary"}, s)
		}
		if kvs, err := in.Map("env"); err != nil {
			named(err, "env")
		} else {
			seen := map[string]bool{}
			for _, kv := range kvs {
				require.NotEmpty(t, kv.Key)
				require.False(t, seen[kv.Key], "key %q repeated", kv.Key)
				seen[kv.Key] = true
			}
		}
		var anyJSON any
		if err := in.JSON("config", &anyJSON); err != nil {
			named(err, "config")
		}
		for _, item := range in.List("services") {
			require.NotEmpty(t, item)
			require.Equal(t, strings.TrimSpace(item), item)
			require.NotContains(t, item, ",")
		}
	})
}
