package ecr

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// quotaIsAnswer is a per-call option for StartImageScan. The SDK's
// retryers count LimitExceededException as throttling and retry it with
// backoff (ten attempts and over a minute with the actions' adaptive
// retryer), but from StartImageScan it is ECR's per-image quota, one basic
// scan per 24 hours: an answer that no retry changes. The option makes the
// call's retryer return that answer at once and keeps it out of the
// adaptive rate limiter, so the calls after it are not slowed down.
// Real throttling is still retried.
func quotaIsAnswer(o *ecr.Options) {
	// Every retryer of the SDK is a RetryerV2; another one is left alone.
	if r, ok := o.Retryer.(aws.RetryerV2); ok {
		o.Retryer = quotaAnswer{RetryerV2: r}
	}
}

type quotaAnswer struct{ aws.RetryerV2 }

func (q quotaAnswer) IsErrorRetryable(err error) bool {
	return !isScanQuota(err) && q.RetryerV2.IsErrorRetryable(err)
}

func (q quotaAnswer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	release, err := q.RetryerV2.GetAttemptToken(ctx)
	if err != nil {
		return nil, err
	}
	return func(opErr error) error {
		if isScanQuota(opErr) {
			opErr = nil // the service answered; it did not push back
		}
		return release(opErr)
	}, nil
}

func isScanQuota(err error) bool {
	var limit *types.LimitExceededException
	return errors.As(err, &limit)
}
