package clock_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/clock"
)

func TestWallSleepEndsWithTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := clock.Wall{}.Sleep(ctx, time.Hour)
	require.ErrorIs(t, err, context.Canceled)
}

func TestWallSleepReturnsNilAfterTheWait(t *testing.T) {
	t.Parallel()
	require.NoError(t, clock.Wall{}.Sleep(context.Background(), time.Millisecond))
}
