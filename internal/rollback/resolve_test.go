package rollback

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

type fakeLedger struct{ recs []ledger.Record }

func (f fakeLedger) History(_ context.Context, cluster, service string, limit int) ([]ledger.Record, error) {
	return f.recs, nil
}

func (f fakeLedger) LastKnownGood(_ context.Context, cluster, service, exclude string) (*ledger.Record, error) {
	return ledger.KnownGood(f.recs, exclude)
}

func TestResolve(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	v2 := e.update("web:v2", 3*time.Minute)
	v3 := e.update("web:v3", 3*time.Minute)
	v1 := "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"
	ctx := context.Background()
	r := &Roller{ECS: e.ecs, Clock: e.clock}

	got, err := r.Resolve(ctx, "prod", "web", v3, "previous")
	require.NoError(t, err)
	assert.Equal(t, v2, got, "without a ledger: the family's revision below the current one")

	// The ledger knows web:3 replaced web:1 directly (web:2 was never deployed to this service).
	r.Ledger = fakeLedger{recs: []ledger.Record{{TaskDefinition: v3, Previous: v1, Outcome: "succeeded"}, {TaskDefinition: v1, Outcome: "succeeded"}}}
	got, err = r.Resolve(ctx, "prod", "web", v3, "previous")
	require.NoError(t, err)
	assert.Equal(t, v1, got, "the ledger's record of the current deployment names what ran before")

	got, err = r.Resolve(ctx, "prod", "web", v3, "last-known-good")
	require.NoError(t, err)
	assert.Equal(t, v1, got)

	got, err = r.Resolve(ctx, "prod", "web", v3, "web:2")
	require.NoError(t, err)
	assert.Equal(t, v2, got)
	got, err = r.Resolve(ctx, "prod", "web", v3, v1)
	require.NoError(t, err)
	assert.Equal(t, v1, got)

	var ie *inputs.Error
	r.Ledger = nil
	_, err = r.Resolve(ctx, "prod", "web", v1, "previous")
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "completed a deployment without being rolled back")

	r.Ledger = fakeLedger{}
	_, err = r.Resolve(ctx, "prod", "web", v3, "last-known-good")
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "to", ie.Input)
}
