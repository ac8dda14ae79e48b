package awsconfig_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		o     awsconfig.Options
		input string // the input named by the error; "" for no error
	}{
		{"empty is fine", awsconfig.Options{}, ""},
		{"region", awsconfig.Options{Region: "eu-central-1"}, ""},
		{"gov region", awsconfig.Options{Region: "us-gov-west-1"}, ""},
		{"upper case region", awsconfig.Options{Region: "US-EAST-1"}, "aws-region"},
		{"region without number", awsconfig.Options{Region: "us-east"}, "aws-region"},
		{"availability zone", awsconfig.Options{Region: "us-east-1a"}, "aws-region"},
		{"role", awsconfig.Options{RoleToAssume: "arn:aws:iam::123456789012:role/deploy"}, ""},
		{"role with path", awsconfig.Options{RoleToAssume: "arn:aws:iam::123456789012:role/ci/ecsflow-deploy"}, ""},
		{"china partition role", awsconfig.Options{RoleToAssume: "arn:aws-cn:iam::123456789012:role/deploy"}, ""},
		{"role name only", awsconfig.Options{RoleToAssume: "deploy"}, "role-to-assume"},
		{"user ARN", awsconfig.Options{RoleToAssume: "arn:aws:iam::123456789012:user/bob"}, "role-to-assume"},
		{"short account", awsconfig.Options{RoleToAssume: "arn:aws:iam::1234:role/deploy"}, "role-to-assume"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.o.Validate()
			if tc.input == "" {
				assert.NoError(t, err)
				return
			}
			var ie *inputs.Error
			require.True(t, errors.As(err, &ie), "%v", err)
			assert.Equal(t, tc.input, ie.Input)
		})
	}
}

func TestLoadRegion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		o    awsconfig.Options
		want string
		err  string
	}{
		{"option wins", awsconfig.Options{Region: "eu-west-1", Getenv: env(map[string]string{"AWS_REGION": "us-east-1"})}, "eu-west-1", ""},
		{"AWS_REGION", awsconfig.Options{Getenv: env(map[string]string{"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "us-west-1"})}, "us-east-2", ""},
		{"AWS_DEFAULT_REGION", awsconfig.Options{Getenv: env(map[string]string{"AWS_DEFAULT_REGION": "us-west-1"})}, "us-west-1", ""},
		{"none", awsconfig.Options{Getenv: env(nil)}, "", `input "aws-region": is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set`},
		{"invalid", awsconfig.Options{Region: "mars-1"}, "", `input "aws-region": value "mars-1"`},
		{"role without token source", awsconfig.Options{Region: "us-east-1", RoleToAssume: "arn:aws:iam::123456789012:role/deploy"}, "",
			"role-to-assume needs the GitHub OIDC token; grant the job `permissions: id-token: write`"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := awsconfig.Load(context.Background(), tc.o)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, cfg.Region)
			assert.Equal(t, 10, cfg.Retryer().MaxAttempts(), "adaptive retry with 10 attempts")
		})
	}
}

func TestIsLocal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		vars    map[string]string
		service string
		want    bool
	}{
		{"no endpoint", nil, "s3", false},
		{"loopback IP", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, "s3", true},
		{"localhost", map[string]string{"AWS_ENDPOINT_URL": "http://localhost:5000"}, "cloudwatch", true},
		{"IPv6 loopback", map[string]string{"AWS_ENDPOINT_URL": "http://[::1]:5000"}, "s3", true},
		{"remote endpoint", map[string]string{"AWS_ENDPOINT_URL": "https://vpce-123.s3.us-east-1.vpce.amazonaws.com"}, "s3", false},
		{"service endpoint wins", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_S3": "https://s3.example.com"}, "s3", false},
		{"service endpoint only", map[string]string{"AWS_ENDPOINT_URL_CLOUDWATCH": "http://127.0.0.1:9"}, "cloudwatch", true},
		{"other service's endpoint", map[string]string{"AWS_ENDPOINT_URL_CLOUDWATCH": "http://127.0.0.1:9"}, "s3", false},
		{"service name with a space", map[string]string{"AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING": "http://127.0.0.1:9"}, "application auto scaling", true},
		{"unparsable", map[string]string{"AWS_ENDPOINT_URL": "://bad"}, "s3", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, awsconfig.IsLocal(env(tc.vars), tc.service))
		})
	}
}

func TestFromInputs(t *testing.T) {
	t.Parallel()
	spec := actionspec.MustParse([]byte("name: x\ninputs:\n  aws-region:\n    description: r\n  role-to-assume:\n    description: r\n  role-session-name:\n    description: s\n"))
	in := inputs.New(spec, map[string]string{"aws-region": "eu-west-1"}, func(k string) (string, bool) {
		if k == "INPUT_ROLE-TO-ASSUME" {
			return "arn:aws:iam::123456789012:role/deploy", true
		}
		return "", false
	})
	o := awsconfig.FromInputs(in, env(nil), nil)
	assert.Equal(t, "eu-west-1", o.Region)
	assert.Equal(t, "arn:aws:iam::123456789012:role/deploy", o.RoleToAssume)
	assert.Equal(t, "", o.RoleSessionName)

	bare := actionspec.MustParse([]byte("name: y\ninputs:\n  path:\n    description: p\n"))
	o = awsconfig.FromInputs(inputs.New(bare, nil, nil), env(nil), nil)
	assert.Equal(t, "", o.Region, "actions without the inputs get none")
}

// redirect sends every AWS request to the sandbox endpoint, whatever host
// the SDK resolved (tests run in parallel, so no AWS_ENDPOINT_URL).
type redirect struct {
	to    *url.URL
	calls atomic.Int32
}

func (r *redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	r.calls.Add(1)
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = r.to.Scheme, r.to.Host
	req.Host = r.to.Host
	return http.DefaultTransport.RoundTrip(req)
}

// The OIDC path end to end: the GitHub token endpoint (an httptest server)
// mints a token for audience sts.amazonaws.com, STS on the sandbox (moto,
// which validates nothing) exchanges it with AssumeRoleWithWebIdentity, and
// the assumed role's credentials sign later calls.
func TestRoleToAssumeWithGitHubOIDC(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t)
	var tokenCalls atomic.Int32
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenCalls.Add(1)
		if r.Header.Get("Authorization") != "Bearer runtime-request-token" {
			http.Error(w, "bad request token", http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("audience") != awsconfig.Audience {
			http.Error(w, "wrong audience "+r.URL.Query().Get("audience"), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"value":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmVjc2Zsb3cifQ.c2ln"}`))
	}))
	t.Cleanup(gh.Close)
	console := gha.New(new(strings.Builder), env(map[string]string{
		"GITHUB_ACTIONS":                 "true",
		"ACTIONS_ID_TOKEN_REQUEST_URL":   gh.URL + "/token?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runtime-request-token",
	}))
	u, err := url.Parse(sb.Endpoint)
	require.NoError(t, err)
	rt := &redirect{to: u}
	ctx := context.Background()
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{
		Region:          "us-east-1",
		RoleToAssume:    "arn:aws:iam::123456789012:role/ecsflow-deploy",
		RoleSessionName: "deploy run #42 (dev)",
		IDToken:         console.Action().GetIDToken,
		Getenv:          env(nil),
		HTTPClient:      &http.Client{Transport: rt},
	})
	require.NoError(t, err)
	assert.EqualValues(t, 0, tokenCalls.Load(), "the token is fetched lazily, on the first call")

	creds, err := cfg.Credentials.Retrieve(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 1, tokenCalls.Load())
	assert.NotEmpty(t, creds.AccessKeyID)
	assert.NotEqual(t, "test", creds.AccessKeyID, "credentials come from STS, not the environment")
	assert.NotEmpty(t, creds.SessionToken)
	assert.True(t, creds.CanExpire)

	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:sts::123456789012:assumed-role/ecsflow-deploy/deploy-run--42--dev-", aws.ToString(id.Arn),
		"the role was assumed, with the session name made valid")
	assert.EqualValues(t, 1, tokenCalls.Load(), "credentials are cached")
	assert.GreaterOrEqual(t, rt.calls.Load(), int32(2))
}

func TestOIDCTokenFailureSaysWhatToDo(t *testing.T) {
	t.Parallel()
	console := gha.New(new(strings.Builder), env(map[string]string{"GITHUB_ACTIONS": "true"})) // no token request variables
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Options{
		Region:       "us-east-1",
		RoleToAssume: "arn:aws:iam::123456789012:role/ecsflow-deploy",
		IDToken:      console.Action().GetIDToken,
		Getenv:       env(nil),
	})
	require.NoError(t, err)
	_, err = cfg.Credentials.Retrieve(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed to get the GitHub OIDC token (does the job have `permissions: id-token: write`?)")
	assert.Contains(t, err.Error(), "ACTIONS_ID_TOKEN_REQUEST_URL")
}

// The SDK's own log lines go to Debugf, or nowhere: never to the step log.
func TestSDKLogRoutedToDebugf(t *testing.T) {
	t.Parallel()
	var got []string
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Options{Region: "eu-west-1", Getenv: env(nil),
		Debugf: func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }})
	require.NoError(t, err)
	cfg.Logger.Logf(logging.Warn, "failed to discard %s", "body")
	assert.Equal(t, []string{"aws sdk warn: failed to discard body"}, got)

	quiet, err := awsconfig.Load(context.Background(), awsconfig.Options{Region: "eu-west-1", Getenv: env(nil)})
	require.NoError(t, err)
	quiet.Logger.Logf(logging.Warn, "dropped") // must not panic or print
}
