package rollback

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

// A rollback takes the per-service ledger lock deploy-ecs takes: while a
// deploy holds it past lock-timeout the rollback changes nothing, reports
// status locked and exits 4.
func TestRollbackRefusedWhileADeployHoldsTheLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	l := e.withLedger()
	e.update("web:v2", 3*time.Minute)
	e.steadyOn("web:2")
	l.Now = e.sim.Now
	held, err := l.Acquire(context.Background(), "prod", "web", "deploy-ecs run 42", 0)
	require.NoError(t, err)
	before := e.mutations()

	r := e.run(map[string]string{"cluster": "prod", "service": "web", "ledger-table": l.Table, "lock-timeout": "0s"})
	require.Equal(t, exitcode.Locked, r.code, r.stdout)
	assert.Equal(t, "locked", output(r.outputs, "status"))
	assert.Contains(t, r.stdout, "service web is locked by deploy-ecs run 42")
	assert.Equal(t, before, e.mutations(), "nothing changed")
	e.steadyOn("web:2")

	// once the deploy releases the lock, the rollback runs and releases it too
	require.NoError(t, held.Release(context.Background()))
	r = e.run(map[string]string{"cluster": "prod", "service": "web", "ledger-table": l.Table, "lock-timeout": "0s"})
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, "succeeded", output(r.outputs, "status"))
	e.steadyOn("web:1")
	_, err = l.Acquire(context.Background(), "prod", "web", "next run", 0)
	require.NoError(t, err, "the rollback released the lock")
}

// aheadDB is the ledger table as a queued rollback sees it: its first try
// for the lock finds it held by a deploy, which then runs to its end
// before the rollback's next try.
type aheadDB struct {
	ledger.DynamoDB
	ahead func()
	tried bool
}

func (d *aheadDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if pk, ok := in.Item[ledger.PartitionKey].(*ddbtypes.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, "lock#") && !d.tried {
		d.tried = true
		d.ahead()
		return nil, &ddbtypes.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	return d.DynamoDB.PutItem(ctx, in, o...)
}

// A rollback queued behind a deploy returns to the revision before the one
// live when it got the lock, not to the one before the revision live when
// it started waiting.
func TestRollbackReadsItsTargetUnderTheLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	l := e.withLedger()
	e.update("web:v2", 3*time.Minute)
	e.steadyOn("web:2")
	e.ddb = &aheadDB{DynamoDB: e.ddb, ahead: func() {
		e.update("web:v3", 3*time.Minute) // the deploy holding the lock completes web:3
	}}
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "ledger-table": l.Table, "lock-timeout": "5m"})
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, tdARN("web:2"), output(r.outputs, "task-definition-arn"))
	e.steadyOn("web:2")
}
