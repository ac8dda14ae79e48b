package awsconfig

import (
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
)

// CloudWatchOptions returns client options for CloudWatch. Against a local
// stand-in (moto) the client speaks the query protocol, because moto does
// not speak the rpc-v2-cbor protocol the SDK uses by default. Real AWS keeps
// the SDK default.
func CloudWatchOptions(getenv func(string) string) []func(*cloudwatch.Options) {
	if !IsLocal(getenv, "cloudwatch") {
		return nil
	}
	return []func(*cloudwatch.Options){func(o *cloudwatch.Options) {
		o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
	}}
}

// S3Options returns client options for S3: path-style addressing against a
// local stand-in, whose IP endpoint cannot serve virtual-hosted buckets.
// moto sends no response checksums, so the SDK's log line about skipping
// their validation is silenced there (never against AWS).
func S3Options(getenv func(string) string) []func(*s3.Options) {
	if !IsLocal(getenv, "s3") {
		return nil
	}
	return []func(*s3.Options){func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	}}
}
