// Package simclock adapts a simulator's clock to the engines' clocks
// (deploy.Clock and the clocks that share its shape): Sleep advances the
// simulated time, so a half-hour deployment runs in microseconds. It is test
// machinery and no action binary may import it (actions/depcheck_test.go).
package simclock

import (
	"context"
	"time"
)

// Manual adapts a simulator clock (Now + Advance) to a sleeping clock.
type Manual struct {
	NowFunc func() time.Time
	Advance func(time.Duration)
}

// Now returns the simulated time.
func (c Manual) Now() time.Time { return c.NowFunc() }

// Sleep advances the simulated time by d unless ctx is already done.
func (c Manual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return ctx.Err()
}
