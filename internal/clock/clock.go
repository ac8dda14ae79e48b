// Package clock is the one clock interface the engines take (deploy's
// waits, ECR's scan wait, rollback, drift-check's remediation), so tests
// drive time by hand instead of sleeping. Test clocks live in
// internal/testenv/simclock.
package clock

import (
	"context"
	"time"
)

// Clock gives an engine its time. Sleep returns early with ctx's error.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// Wall is the real clock.
type Wall struct{}

// Now returns time.Now().
func (Wall) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done, and then returns ctx's error.
func (Wall) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
