package ecsinput_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/ecsinput"
	"github.com/ecsflow/ecsflow/internal/inputs"
)

const spec = `name: probe
inputs:
  cluster:
    description: The cluster.
    required: true
  service:
    description: The services.
    required: true
`

func read(t *testing.T, flags map[string]string) *inputs.Inputs {
	t.Helper()
	s, err := actionspec.Parse([]byte(spec))
	require.NoError(t, err)
	return inputs.New(s, flags, nil)
}

func TestCluster(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, value, bad string }{
		{"name", "prod_eu-1", ""},
		{"arn", "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", ""},
		{"missing", "", "cluster"},
		{"slash without arn", "team/prod", "cluster"},
		{"too long", string(make([]byte, 256)), "cluster"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ecsinput.Cluster(read(t, map[string]string{"cluster": tc.value}))
			if tc.bad == "" {
				require.NoError(t, err)
				require.Equal(t, tc.value, got)
				return
			}
			var ie *inputs.Error
			require.True(t, errors.As(err, &ie), "error %v is not an input error", err)
			require.Equal(t, tc.bad, ie.Input)
		})
	}
}

func TestServices(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, value string
		want        []string
		reason      string
	}{
		{"one", "web", []string{"web"}, ""},
		{"list keeps order", "web, api,worker", []string{"web", "api", "worker"}, ""},
		{"missing", "", nil, "required"},
		{"bad name", "web,-api", nil, "is not a service name"},
		{"twice", "web,api,web", nil, "is listed twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ecsinput.Services(read(t, map[string]string{"service": tc.value}))
			if tc.reason == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			var ie *inputs.Error
			require.True(t, errors.As(err, &ie), "error %v is not an input error", err)
			require.Equal(t, "service", ie.Input)
			require.Contains(t, ie.Reason, tc.reason)
		})
	}
}

// What the deploy engine did not find is bad input naming the input that
// named it, with what to check.
func TestNotFound(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind, name, cluster, where string
		want                       string
	}{
		{"cluster", "staging", "", "eu-central-1 (this account)",
			`input "cluster": value "staging": does not exist in eu-central-1 (this account); check the cluster name and the region (aws-region or AWS_REGION)`},
		{"service", "api", "prod", "",
			`input "service": value "api": does not exist in cluster "prod"; check the service name and the cluster`},
		{"task definition", "web:9", "", "",
			`input "task-definition": value "web:9": is not a registered task definition revision`},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			err := ecsinput.NotFound(tc.kind, tc.name, tc.cluster, tc.where)
			var ie *inputs.Error
			require.ErrorAs(t, err, &ie)
			require.EqualError(t, err, tc.want)
		})
	}
}
