package driftcheck

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

// ledgerReader answers drift's question (what did deploy-ecs last deploy
// successfully?) from the deployment ledger deploy-ecs writes.
type ledgerReader struct {
	l     *ledger.Ledger
	calls atomic.Int64
}

func newLedgerReader(db ledger.DynamoDB, table string) *ledgerReader {
	return &ledgerReader{l: &ledger.Ledger{DB: db, Table: table}}
}

// LastGood queries each service's history (one query per service, newest
// first) with bounded concurrency.
func (r *ledgerReader) LastGood(ctx context.Context, keys []drift.ServiceKey) (map[drift.ServiceKey]string, error) {
	out := map[drift.ServiceKey]string{}
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func(k drift.ServiceKey) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r.calls.Add(1)
			rec, err := r.l.LastKnownGood(ctx, k.Cluster, k.Service, "")
			if errors.Is(err, ledger.ErrNoKnownGood) && k.ClusterRef != "" && k.ClusterRef != k.Cluster {
				// deploy-ecs records the cluster as its input named it: an ARN is possible.
				r.calls.Add(1)
				rec, err = r.l.LastKnownGood(ctx, k.ClusterRef, k.Service, "")
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ledger.ErrNoKnownGood):
			case err != nil:
				if first == nil {
					first = err
				}
			default:
				out[k] = rec.TaskDefinition
			}
		}(k)
	}
	wg.Wait()
	return out, first
}
