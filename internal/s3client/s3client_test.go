package s3client_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"

	"github.com/ecsflow/ecsflow/internal/s3client"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestOptions(t *testing.T) {
	t.Parallel()
	assert.Nil(t, s3client.Options(env(nil)), "real AWS keeps virtual-hosted addressing")

	var so s3.Options
	for _, f := range s3client.Options(env(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})) {
		f(&so)
	}
	assert.True(t, so.UsePathStyle)
	assert.True(t, so.DisableLogOutputChecksumValidationSkipped)
}
