package tfstate_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/tfstate"
)

func TestReadProviderRegion(t *testing.T) {
	t.Parallel()
	variable := "variable \"aws_region\" {\n  default = \"eu-west-1\"\n}\n"
	cases := []struct {
		name, tf string
		vars     map[string]string
		want     tfstate.ProviderRegion
	}{
		{"literal", "provider \"aws\" {\n  region = \"eu-central-1\"\n}\n", nil,
			tfstate.ProviderRegion{Region: "eu-central-1", Source: `provider "aws" in r/main.tf:2`}},
		{"variable from the var files", "provider \"aws\" {\n  region = var.aws_region\n}\n" + variable, map[string]string{"aws_region": "ap-south-1"},
			tfstate.ProviderRegion{Region: "ap-south-1", Source: `provider "aws" in r/main.tf:2 (var.aws_region from the var files)`}},
		{"variable default", "provider \"aws\" {\n  region = var.aws_region\n}\n" + variable, nil,
			tfstate.ProviderRegion{Region: "eu-west-1", Source: `provider "aws" in r/main.tf:2 (default of var.aws_region)`}},
		{"aliased provider is not the default", "provider \"aws\" {\n  alias  = \"us\"\n  region = \"us-east-1\"\n}\n", nil, tfstate.ProviderRegion{}},
		{"variable without value", "provider \"aws\" {\n  region = var.r\n}\nvariable \"r\" {}\n", nil, tfstate.ProviderRegion{}},
		{"expression", "provider \"aws\" {\n  region = local.r\n}\nlocals {\n  r = \"x\"\n}\n", nil, tfstate.ProviderRegion{}},
		{"no provider block", "resource \"aws_ecs_cluster\" \"c\" {}\n", nil, tfstate.ProviderRegion{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{"r/main.tf": {Data: []byte(tc.tf)}}
			got, err := tfstate.ReadProviderRegion(fsys, "r", tc.vars)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestARNRegionsCountsRegionalResources(t *testing.T) {
	t.Parallel()
	st, err := tfstate.Parse([]byte(`{"version":4,"serial":1,"lineage":"x","resources":[
	{"mode":"managed","type":"aws_ecs_cluster","name":"a","instances":[{"attributes":{"id":"arn:aws:ecs:eu-west-1:1:cluster/a","arn":"arn:aws:ecs:eu-west-1:1:cluster/a"}}]},
	{"mode":"managed","type":"aws_ecs_service","name":"b","instances":[{"attributes":{"id":"arn:aws:ecs:eu-west-1:1:service/a/b"}}]},
	{"mode":"managed","type":"aws_s3_bucket","name":"c","instances":[{"attributes":{"arn":"arn:aws:s3:::c"}}]},
	{"mode":"managed","type":"aws_iam_role","name":"d","instances":[{"attributes":{"arn":"arn:aws:iam::1:role/d"}}]},
	{"mode":"managed","type":"aws_sns_topic","name":"e","instances":[{"attributes":{"arn":"arn:aws:sns:us-east-1:1:e"}}]}]}`))
	require.NoError(t, err)
	require.Equal(t, []tfstate.RegionCount{{Region: "eu-west-1", Resources: 2}, {Region: "us-east-1", Resources: 1}}, st.ARNRegions())
}
