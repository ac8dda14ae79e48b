package exitcode_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/inputs"
)

func TestCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitcode.OK},
		{"negative", exitcode.Negativef("drift in %s", "dev"), exitcode.Negative},
		{"wrapped negative", fmt.Errorf("deploy: %w", exitcode.Negativef("rolled back")), exitcode.Negative},
		{"bad input", exitcode.BadInputf("two of a, b"), exitcode.BadInput},
		{"input error", inputs.Errorf("path", "x", "does not exist"), exitcode.BadInput},
		{"wrapped input error", fmt.Errorf("validate: %w", inputs.Errorf("path", "x", "does not exist")), exitcode.BadInput},
		{"joined: the first coded error wins", errors.Join(errors.New("plain"), exitcode.Negativef("n")), exitcode.Negative},
		{"plain error", errors.New("boom"), exitcode.Failure},
		{"cancelled", fmt.Errorf("wait: %w", context.Canceled), exitcode.Failure},
		{"hint keeps the code", exitcode.WithHint(exitcode.Negativef("n"), "look"), exitcode.Negative},
		{"hint on a plain error", exitcode.WithHint(errors.New("x"), "look"), exitcode.Failure},
		{"locked", &exitcode.Error{Code: exitcode.Locked, Err: errors.New("service web is locked")}, exitcode.Locked},
		{"wrapped locked", fmt.Errorf("deploy: %w", &exitcode.Error{Code: exitcode.Locked, Err: errors.New("locked")}), exitcode.Locked},
		{"hint on an input error", exitcode.WithHint(inputs.Errorf("a", "", "bad"), "fix a"), exitcode.BadInput},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, exitcode.Code(tc.err))
		})
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	base := errors.New("lock held by run 42")
	err := exitcode.WithHint(base, "wait or remove the lock")
	assert.Equal(t, "lock held by run 42; wait or remove the lock", err.Error())
	assert.ErrorIs(t, err, base)
	assert.Equal(t, "drift in dev", exitcode.Negativef("drift in %s", "dev").Error())
	var ee *exitcode.Error
	assert.True(t, errors.As(exitcode.BadInputf("x"), &ee))
	assert.Equal(t, exitcode.BadInput, ee.Code)
}
