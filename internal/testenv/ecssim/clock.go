package ecssim

import (
	"sync"
	"time"
)

// Clock is the simulator's notion of time. All progress in a Sim happens when
// its clock moves forward: nothing runs in the background.
type Clock interface {
	// Now returns the current simulated time.
	Now() time.Time
	// Advance moves the clock forward by d (negative durations are ignored).
	Advance(d time.Duration)
}

// FakeClock is a manually advanced Clock, safe for concurrent use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a FakeClock set to start.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
