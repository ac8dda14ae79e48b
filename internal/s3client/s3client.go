// Package s3client holds the S3 client options that depend on the
// endpoint. It is apart from awsconfig so that only the actions that call
// S3 link its client (docs/adr/0008-binary-budget.md).
package s3client

import (
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
)

// Options returns client options for S3: path-style addressing against a
// local stand-in, whose IP endpoint cannot serve virtual-hosted buckets.
// moto sends no response checksums, so the SDK's log line about skipping
// their validation is silenced there (never against AWS).
func Options(getenv func(string) string) []func(*s3.Options) {
	if !awsconfig.IsLocal(getenv, "s3") {
		return nil
	}
	return []func(*s3.Options){func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	}}
}
