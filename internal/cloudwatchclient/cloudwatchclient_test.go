package cloudwatchclient_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestOptions(t *testing.T) {
	t.Parallel()
	assert.Nil(t, cloudwatchclient.Options(env(nil)), "real AWS keeps the SDK's protocol")

	var cw cloudwatch.Options
	for _, f := range cloudwatchclient.Options(env(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})) {
		f(&cw)
	}
	require.NotNil(t, cw.Protocol)
	assert.Equal(t, "*awsquery.Protocol", fmt.Sprintf("%T", cw.Protocol))
}
