package driftcheck_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/driftcheck"
	"github.com/ecsflow/ecsflow/internal/exitcode"
)

// otherRegion is a region the test stack does not live in.
func otherRegion(stack string) string {
	if stack == "us-east-1" {
		return "eu-central-1"
	}
	return "us-east-1"
}

// Run with credentials for another region than the stack's, drift-check
// used to report every resource as deleted and open a critical issue. It
// is a bad input now, named before any issue is read or written.
func TestWrongRegionIsBadInputBeforeTheIssue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	stack := e.cfg.Region
	wrong := otherRegion(stack)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "providers.tf"), "provider \"aws\" {\n  region = var.aws_region\n}\n\nprovider \"aws\" {\n  alias  = \"global\"\n  region = \"us-east-1\"\n}\n")
	writeFile(t, filepath.Join(root, "variables.tf"), "variable \"aws_region\" {\n  default = \""+stack+"\"\n}\n")

	cases := []struct {
		name   string
		in     map[string]string
		source string
	}{
		{"state ARNs", map[string]string{"state": e.stateFile}, "ARNs in the state"},
		{"provider block", map[string]string{"state": e.stateFile, "path": root}, `provider "aws" in ` + root},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ghCalls atomic.Int32
			gh := newFakeGitHub()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ghCalls.Add(1)
				gh.ServeHTTP(w, r)
			}))
			defer srv.Close()
			vars := map[string]string{"GITHUB_REPOSITORY": "acme/app"}
			for k, v := range e.vars {
				vars[k] = v
			}
			vars["AWS_REGION"] = wrong
			o := driftcheck.Options{GitHubAPI: srv.URL, HTTPClient: srv.Client(), AWSConfig: func(context.Context) (aws.Config, error) {
				c := e.cfg.Copy()
				c.Region = wrong
				return c, nil
			}}
			in := map[string]string{"environment": "prod", "issue": "true", "github-token": "ghs_secrettoken123"}
			for k, v := range tc.in {
				in[k] = v
			}
			r := runAction(t, in, vars, o)
			require.Equal(t, exitcode.BadInput, r.code, "err %v\n%s", r.err, r.log)
			require.ErrorContains(t, r.err, `input "aws-region"`)
			require.ErrorContains(t, r.err, "the stack is in "+stack)
			require.ErrorContains(t, r.err, "credentials are for "+wrong+" (from AWS_REGION)")
			require.ErrorContains(t, r.err, tc.source)
			require.Zero(t, ghCalls.Load(), "the issue was touched")
			require.Empty(t, r.outputs["missing"], "nothing was compared")
		})
	}
}

// A stack with resources in several regions is checked in any of them.
func TestRegionOfAMultiRegionStack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	e.st.AddResource("aws_efs_file_system", "replica", map[string]any{"id": "fs-1", "arn": "arn:aws:elasticfilesystem:" + otherRegion(e.cfg.Region) + ":123456789012:file-system/fs-1"})
	state := writeFile(t, filepath.Join(t.TempDir(), "s.tfstate"), string(e.st.State()))
	r := runAction(t, map[string]string{"state": state}, e.vars, e.opts)
	require.Equal(t, 0, r.code, "err %v\n%s", r.err, r.log)
	require.Contains(t, r.log, "compared in "+e.cfg.Region)
}
