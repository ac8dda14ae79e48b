// Package cloudwatchclient holds the CloudWatch client options that depend
// on the endpoint. It is apart from awsconfig so that only the actions that
// call CloudWatch link its client (docs/adr/0008-binary-budget.md).
package cloudwatchclient

import (
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
)

// Options returns client options for CloudWatch. Against a local stand-in
// (moto) the client speaks the query protocol, because moto does not speak
// the rpc-v2-cbor protocol the SDK uses by default. Real AWS keeps the SDK
// default.
func Options(getenv func(string) string) []func(*cloudwatch.Options) {
	if !awsconfig.IsLocal(getenv, "cloudwatch") {
		return nil
	}
	return []func(*cloudwatch.Options){func(o *cloudwatch.Options) {
		o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
	}}
}
