package deploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ecsflow/ecsflow/internal/ledger"
)

// LockServices takes the ledger lock of every service, in one sorted order
// so two runs never wait on each other crosswise; deploy-ecs and rollback
// take the same locks. The returned func releases them all. A lock held by
// another run past wait sets the status output to locked and returns the
// *ledger.LockedError, which the action turns into exit 4 (locked): nothing
// was changed, and nothing may be rolled back on this run's behalf.
// Releasing returns the locks it could not release.
func LockServices(ctx context.Context, led *ledger.Ledger, cluster string, services []string, holder string, wait time.Duration, setOutput func(name, value string)) (func() error, error) {
	names := append([]string(nil), services...)
	sort.Strings(names)
	var held []*ledger.Lock
	release := func() error {
		var errs []error
		for _, lk := range held {
			if err := lk.Release(context.WithoutCancel(ctx)); err != nil {
				errs = append(errs, fmt.Errorf("%w; it stays held until it expires at %s, or delete its item from %s",
					err, lk.Expires().UTC().Format(time.RFC3339), led.Table))
			}
		}
		return errors.Join(errs...)
	}
	for _, n := range names {
		lk, err := led.Acquire(ctx, cluster, n, holder, wait)
		if err != nil {
			release()
			var le *ledger.LockedError
			if errors.As(err, &le) {
				setOutput("status", string(Locked))
			}
			return nil, err
		}
		held = append(held, lk)
	}
	return release, nil
}
