// Package exitcode defines the exit codes shared by every ecsflow action
// and maps errors to them.
package exitcode

import (
	"context"
	"errors"
	"fmt"

	"github.com/ecsflow/ecsflow/internal/inputs"
)

// Exit codes. "Problems found" is not "tool failed".
const (
	// OK: the action did its job and the verdict is positive.
	OK = 0
	// Negative: the action worked and the verdict is negative: findings over
	// the threshold, a failed or rolled-back deployment, drift with
	// fail-on-drift.
	Negative = 1
	// BadInput: an input is wrong; nothing was changed.
	BadInput = 2
	// Failure: something unexpected failed (AWS, network, a bug).
	Failure = 3
	// Locked: another run holds a lock this run needs (the per-service
	// ledger lock deploy-ecs and rollback take) and did not release it in time; nothing was
	// changed. Run again later, or raise the wait.
	Locked = 4
)

// Error carries an exit code and, optionally, what the user should do.
type Error struct {
	Code int
	Err  error
	Hint string
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + "; " + e.Hint
}

func (e *Error) Unwrap() error { return e.Err }

// Negativef returns an error for a negative verdict (exit 1).
func Negativef(format string, args ...any) error {
	return &Error{Code: Negative, Err: fmt.Errorf(format, args...)}
}

// BadInputf returns an error for bad input that is not tied to one input
// (exit 2). Prefer inputs.Errorf when one input is at fault.
func BadInputf(format string, args ...any) error {
	return &Error{Code: BadInput, Err: fmt.Errorf(format, args...)}
}

// WithHint wraps err with what the user should do about it, keeping its code.
func WithHint(err error, hint string) error {
	return &Error{Code: Code(err), Err: err, Hint: hint}
}

// Code maps an error to an exit code: nil is OK, an *inputs.Error is
// BadInput, an *Error its own code, anything else Failure.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var ie *inputs.Error
	if errors.As(err, &ie) {
		return BadInput
	}
	if errors.Is(err, context.Canceled) {
		return Failure
	}
	return Failure
}
