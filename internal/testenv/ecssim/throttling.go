package ecssim

import (
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// ECS throttles every API request per account and Region with the token
// bucket algorithm: a bucket holds at most its burst capacity, every call
// takes one token, and tokens are added back at the sustained rate; a call
// that finds the bucket empty fails with ThrottlingException "Rate
// exceeded" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/request-throttling.html).
// One Sim is one account in one Region, so its buckets are the account's.

// TokenBucket is one token bucket: Capacity is the burst (the most calls in
// one instant, and the bucket's content when the simulator starts), Refill
// the sustained rate in tokens per second of the simulator's clock. A zero
// Capacity turns the bucket off.
type TokenBucket struct {
	Capacity float64
	Refill   float64
}

// TokenBuckets are the simulator's request throttles. Reads holds the
// Describe* and List* operations, Writes every other operation. With Shared
// every operation draws from Reads alone.
type TokenBuckets struct {
	Reads  TokenBucket
	Writes TokenBucket
	Shared bool
}

// Throttling modes for WithThrottling.
var (
	// DefaultThrottling is on in every New: separate read and write buckets
	// shaped like the ECS request-throttling page, whose worked example
	// gives cluster reads a 50-token bucket refilled at 20 tokens a second.
	// Writes get the same burst and a slower refill of 5 a second.
	DefaultThrottling = TokenBuckets{
		Reads:  TokenBucket{Capacity: 50, Refill: 20},
		Writes: TokenBucket{Capacity: 50, Refill: 5},
	}
	// HarshThrottling is one bucket of 20 tokens refilled at 5 a second,
	// shared by every operation: a busy account, or many deployers at once.
	HarshThrottling = TokenBuckets{Reads: TokenBucket{Capacity: 20, Refill: 5}, Shared: true}
	// NoThrottling turns the token buckets off (Sim.Throttle still works).
	NoThrottling = TokenBuckets{}
)

// WithThrottling sets the simulator's token buckets (default
// DefaultThrottling).
func WithThrottling(b TokenBuckets) Option { return func(s *Sim) { s.buckets = b } }

// bucketState is the content of one bucket at an instant.
type bucketState struct {
	tokens float64
	at     time.Time
}

// isRead reports whether op draws from the read bucket.
func isRead(op string) bool {
	return strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "List")
}

// takeToken takes a token for op from its bucket, refilled up to the
// clock's time, and reports whether there was one. The caller holds s.mu.
func (s *Sim) takeToken(op string) bool {
	cfg, key := s.buckets.Writes, "writes"
	if s.buckets.Shared || isRead(op) {
		cfg, key = s.buckets.Reads, "reads"
	}
	if cfg.Capacity <= 0 {
		return true
	}
	now := s.clock.Now()
	b := s.bucket[key]
	if b == nil {
		b = &bucketState{tokens: cfg.Capacity, at: now}
		s.bucket[key] = b
	}
	if now.After(b.at) {
		b.tokens = min(cfg.Capacity, b.tokens+cfg.Refill*now.Sub(b.at).Seconds())
		b.at = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// throttled is the error ECS returns when a bucket is empty, the same as
// Sim.Throttle injects.
func throttled() error {
	return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded", Fault: smithy.FaultClient}
}
