// Package ledger keeps deployment records and per-service locks in one
// DynamoDB table (partition key "pk", sort key "sk", both strings).
//
// Records feed rollback's last-known-good and DORA metrics. Locks are items
// written with a conditional PutItem, so two workflow runs never deploy the
// same service at once: the second waits up to a bound, then fails with a
// message naming the holder. A lock has an expiry so a crashed run does not
// block a service forever.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB is the subset of the DynamoDB client the ledger calls.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Key names of the table.
const (
	PartitionKey = "pk"
	SortKey      = "sk"
)

// CreateTableInput is the table the ledger expects, for setup scripts and
// tests (Terraform users declare the same keys).
func CreateTableInput(table string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(PartitionKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(SortKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(PartitionKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(SortKey), KeyType: types.KeyTypeRange},
		},
	}
}

// Ledger reads and writes one table.
type Ledger struct {
	DB    DynamoDB
	Table string
	// Now and Sleep drive lock waiting; defaults are the wall clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// LockTTL bounds how long a lock holds without release (default 2h).
	LockTTL time.Duration
}

func (l *Ledger) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Ledger) sleep(ctx context.Context, d time.Duration) error {
	if l.Sleep != nil {
		return l.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Record is one deployment (or rollback) of one service.
type Record struct {
	ID          string
	Cluster     string
	Service     string
	Environment string
	// Images maps container name to image reference (with digest when known).
	Images         map[string]string
	TaskDefinition string
	Previous       string
	Commit         string
	Actor          string
	RunURL         string
	Start, End     time.Time
	// Outcome is succeeded, rolled-back or failed; started when the run did
	// not wait for the deployment to finish.
	Outcome string
	// RollbackOf names the record ID (or revision) this run rolled back.
	RollbackOf string
	Reason     string
}

func servicePK(cluster, service string) string { return "service#" + cluster + "/" + service }
func lockPK(cluster, service string) string    { return "lock#" + cluster + "/" + service }

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// Put writes a record.
func (l *Ledger) Put(ctx context.Context, r Record) error {
	if r.ID == "" {
		r.ID = strconv.FormatInt(r.Start.UnixNano(), 36)
	}
	item := map[string]types.AttributeValue{
		PartitionKey:     s(servicePK(r.Cluster, r.Service)),
		SortKey:          s("deploy#" + r.Start.UTC().Format(time.RFC3339Nano) + "#" + r.ID),
		"id":             s(r.ID),
		"cluster":        s(r.Cluster),
		"service":        s(r.Service),
		"taskDefinition": s(r.TaskDefinition),
		"outcome":        s(r.Outcome),
		"start":          s(r.Start.UTC().Format(time.RFC3339Nano)),
		"end":            s(r.End.UTC().Format(time.RFC3339Nano)),
	}
	for k, v := range map[string]string{"environment": r.Environment, "previous": r.Previous, "commit": r.Commit,
		"actor": r.Actor, "runUrl": r.RunURL, "rollbackOf": r.RollbackOf, "reason": r.Reason} {
		if v != "" {
			item[k] = s(v)
		}
	}
	if len(r.Images) > 0 {
		m := map[string]types.AttributeValue{}
		for k, v := range r.Images {
			m[k] = s(v)
		}
		item["images"] = &types.AttributeValueMemberM{Value: m}
	}
	if _, err := l.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(l.Table), Item: item}); err != nil {
		return fmt.Errorf("failed to write the deployment record of %s to ledger table %s: %w", r.Service, l.Table, err)
	}
	return nil
}

func str(item map[string]types.AttributeValue, k string) string {
	if v, ok := item[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func decode(item map[string]types.AttributeValue) Record {
	r := Record{
		ID: str(item, "id"), Cluster: str(item, "cluster"), Service: str(item, "service"), Environment: str(item, "environment"),
		TaskDefinition: str(item, "taskDefinition"), Previous: str(item, "previous"), Commit: str(item, "commit"),
		Actor: str(item, "actor"), RunURL: str(item, "runUrl"), Outcome: str(item, "outcome"), RollbackOf: str(item, "rollbackOf"),
		Reason: str(item, "reason"),
	}
	r.Start, _ = time.Parse(time.RFC3339Nano, str(item, "start"))
	r.End, _ = time.Parse(time.RFC3339Nano, str(item, "end"))
	if m, ok := item["images"].(*types.AttributeValueMemberM); ok {
		r.Images = map[string]string{}
		for k, v := range m.Value {
			if sv, ok := v.(*types.AttributeValueMemberS); ok {
				r.Images[k] = sv.Value
			}
		}
	}
	return r
}

// History returns a service's records, newest first, at most limit (0: all).
func (l *Ledger) History(ctx context.Context, cluster, service string, limit int) ([]Record, error) {
	var out []Record
	var start map[string]types.AttributeValue
	for {
		res, err := l.DB.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(l.Table),
			KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :deploy)"),
			ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey, "#sk": SortKey},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(servicePK(cluster, service)), ":deploy": s("deploy#")},
			ScanIndexForward:          aws.Bool(false),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("failed to read the deployment history of %s from ledger table %s: %w", service, l.Table, err)
		}
		for _, it := range res.Items {
			out = append(out, decode(it))
			if limit > 0 && len(out) >= limit {
				return out, nil
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			break
		}
		start = res.LastEvaluatedKey
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

// ErrNoKnownGood means the ledger holds no successful deployment to return to.
var ErrNoKnownGood = errors.New("the ledger has no earlier successful deployment of this service")

// LastKnownGood returns the newest succeeded deployment whose task
// definition differs from exclude (the revision being rolled back) and was
// never rolled back or failed (see RolledBack).
func (l *Ledger) LastKnownGood(ctx context.Context, cluster, service, exclude string) (*Record, error) {
	hist, err := l.History(ctx, cluster, service, 0)
	if err != nil {
		return nil, err
	}
	return KnownGood(hist, exclude)
}

// KnownGood is LastKnownGood over a history already read, newest first.
func KnownGood(hist []Record, exclude string) (*Record, error) {
	bad := RolledBack(hist)
	for _, r := range hist {
		if r.Outcome == "succeeded" && r.TaskDefinition != "" && r.TaskDefinition != exclude && !bad[r.TaskDefinition] {
			return &r, nil
		}
	}
	return nil, ErrNoKnownGood
}

// RolledBack returns the revisions a history marks as bad: those a
// deployment left rolled back or failed, and those a rollback run moved a
// service away from. A revision once marked stays bad even when it later
// succeeds again: the success does not undo the reason it was rolled back.
// A forced redeployment of the running revision records RollbackOf equal to
// its own revision and marks nothing.
func RolledBack(hist []Record) map[string]bool {
	bad := map[string]bool{}
	for _, r := range hist {
		if (r.Outcome == "rolled-back" || r.Outcome == "failed") && r.TaskDefinition != "" {
			bad[r.TaskDefinition] = true
		}
		if r.RollbackOf != "" && r.RollbackOf != r.TaskDefinition {
			bad[r.RollbackOf] = true
		}
	}
	return bad
}

// LockedError says who holds a service's lock.
type LockedError struct {
	Service string
	Holder  string
	Since   time.Time
	Waited  time.Duration
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("service %s is locked by %s since %s (waited %s); wait for that run to finish or raise lock-timeout",
		e.Service, e.Holder, e.Since.UTC().Format(time.RFC3339), e.Waited.Round(time.Second))
}

// Lock is a held service lock.
type Lock struct {
	l                *Ledger
	cluster, service string
	token            string
	expires          time.Time
}

// Expires is when the lock lapses if it is never released.
func (k *Lock) Expires() time.Time { return k.expires }

// Acquire takes the lock of a service for holder (a readable description:
// run URL, actor, commit). When another run holds it, Acquire polls until
// wait has passed and then returns a *LockedError naming the holder.
func (l *Ledger) Acquire(ctx context.Context, cluster, service, holder string, wait time.Duration) (*Lock, error) {
	ttl := l.LockTTL
	if ttl == 0 {
		ttl = 2 * time.Hour
	}
	start := l.now()
	token := fmt.Sprintf("%d-%s", start.UnixNano(), holder)
	delay := 2 * time.Second
	for {
		now := l.now()
		_, err := l.DB.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(l.Table),
			Item: map[string]types.AttributeValue{
				PartitionKey: s(lockPK(cluster, service)), SortKey: s("lock"),
				"holder": s(holder), "token": s(token), "since": s(now.UTC().Format(time.RFC3339Nano)),
				"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(ttl).Unix(), 10)},
			},
			// #token = :token: a retry of a put whose answer was lost finds
			// its own lock and takes it again.
			ConditionExpression:      aws.String("attribute_not_exists(#pk) OR #exp < :now OR #token = :token"),
			ExpressionAttributeNames: map[string]string{"#pk": PartitionKey, "#exp": "expiresAt", "#token": "token"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
				":token": s(token)},
		})
		lock := &Lock{l: l, cluster: cluster, service: service, token: token, expires: now.Add(ttl)}
		if err == nil {
			return lock, nil
		}
		var cf *types.ConditionalCheckFailedException
		if !errors.As(err, &cf) {
			// The put may have been applied without an answer: drop the
			// lock if it is this run's, so it does not block until expiry.
			_ = lock.Release(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("failed to take the lock of %s in ledger table %s: %w", service, l.Table, err)
		}
		waited := l.now().Sub(start)
		if waited >= wait {
			le := &LockedError{Service: service, Waited: waited, Holder: "another run"}
			if got, gerr := l.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(l.Table), ConsistentRead: aws.Bool(true),
				Key: map[string]types.AttributeValue{PartitionKey: s(lockPK(cluster, service)), SortKey: s("lock")}}); gerr == nil && got.Item != nil {
				le.Holder = str(got.Item, "holder")
				le.Since, _ = time.Parse(time.RFC3339Nano, str(got.Item, "since"))
			}
			return nil, le
		}
		if err := l.sleep(ctx, min(delay, wait-waited)); err != nil {
			return nil, fmt.Errorf("stopped waiting for the lock of %s: %w", service, err)
		}
		delay = min(delay*2, 15*time.Second)
	}
}

// Release drops the lock if this holder still has it.
func (k *Lock) Release(ctx context.Context) error {
	_, err := k.l.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(k.l.Table),
		Key:                       map[string]types.AttributeValue{PartitionKey: s(lockPK(k.cluster, k.service)), SortKey: s("lock")},
		ConditionExpression:       aws.String("#token = :token"),
		ExpressionAttributeNames:  map[string]string{"#token": "token"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":token": s(k.token)},
	})
	var cf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &cf) {
		return fmt.Errorf("failed to release the lock of %s: %w", k.service, err)
	}
	return nil
}

// Holder describes the current run for lock messages, from the GitHub
// Actions environment.
func Holder(getenv func(string) string) string {
	parts := []string{}
	if run := getenv("GITHUB_RUN_ID"); run != "" {
		parts = append(parts, fmt.Sprintf("run %s/actions/runs/%s", strings.TrimSuffix(getenv("GITHUB_SERVER_URL")+"/"+getenv("GITHUB_REPOSITORY"), "/"), run))
	}
	if a := getenv("GITHUB_ACTOR"); a != "" {
		parts = append(parts, "by "+a)
	}
	if sha := getenv("GITHUB_SHA"); len(sha) >= 7 {
		parts = append(parts, "at "+sha[:7])
	}
	if len(parts) == 0 {
		return "a local run"
	}
	return strings.Join(parts, " ")
}

var tableNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)

// ValidTableName reports whether name is a valid DynamoDB table name:
// 3 to 255 letters, digits, underscores, dots and hyphens.
func ValidTableName(name string) bool { return tableNameRE.MatchString(name) }

// TableNameRule says what ValidTableName allows, for input errors.
const TableNameRule = "is not a DynamoDB table name (3-255 of letters, digits, _ . -)"
