// Package awsconfig builds the AWS configuration every ecsflow action uses:
// the region, credentials from the default chain or from a role assumed with
// the GitHub OIDC token, adaptive retry for throttling, and the standard
// AWS_ENDPOINT_URL[_<SERVICE>] variables, so the same binary talks to AWS or
// to the local sandbox.
package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/inputs"
)

// Options says how to build the configuration.
type Options struct {
	// Region; empty falls back to AWS_REGION / AWS_DEFAULT_REGION.
	Region string
	// RoleToAssume, when set, is assumed with AssumeRoleWithWebIdentity
	// using the GitHub OIDC token: no long-lived keys.
	RoleToAssume    string
	RoleSessionName string
	RoleDuration    time.Duration
	// IDToken returns the GitHub OIDC token for an audience. Required with
	// RoleToAssume; the gha Console's Action().GetIDToken fits.
	IDToken func(ctx context.Context, audience string) (string, error)
	// Getenv reads the environment (tests replace it).
	Getenv func(string) string
	// HTTPClient, when set, carries every AWS call (tests inject faults).
	HTTPClient aws.HTTPClient
	// MaxAttempts for the adaptive retryer; 0 means 10.
	MaxAttempts int
	// Debugf, when set, receives the SDK's own log lines (such as a warning
	// about an unread response body); without it they are dropped, so the
	// SDK never writes to the step log behind the action's back.
	Debugf func(format string, args ...any)
}

// Audience is the OIDC audience AWS's GitHub provider expects.
const Audience = "sts.amazonaws.com"

var roleARN = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)

// Validate checks the options that come from user input.
func (o Options) Validate() error {
	if o.Region != "" && !regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`).MatchString(o.Region) {
		return inputs.Errorf("aws-region", o.Region, "is not an AWS region name such as us-east-1")
	}
	if o.RoleToAssume != "" && !roleARN.MatchString(o.RoleToAssume) {
		return inputs.Errorf("role-to-assume", o.RoleToAssume, "is not an IAM role ARN such as arn:aws:iam::123456789012:role/deploy")
	}
	return nil
}

// Load builds the configuration.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	if err := o.Validate(); err != nil {
		return aws.Config{}, err
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	attempts := o.MaxAttempts
	if attempts == 0 {
		attempts = 10
	}
	opts := []func(*config.LoadOptions) error{
		config.WithLogger(logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			if o.Debugf != nil {
				o.Debugf("aws sdk "+strings.ToLower(string(c))+": "+format, v...)
			}
		})),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewAdaptiveMode(func(ao *retry.AdaptiveModeOptions) {
				ao.StandardOptions = append(ao.StandardOptions, func(so *retry.StandardOptions) {
					so.MaxAttempts = attempts
					so.MaxBackoff = 20 * time.Second
				})
			})
		}),
	}
	region := o.Region
	if region == "" {
		region = firstNonEmpty(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	}
	if region == "" {
		return aws.Config{}, inputs.Errorf("aws-region", "", "is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set; give the region the stack runs in")
	}
	opts = append(opts, config.WithRegion(region))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("failed to load AWS configuration: %w", err)
	}
	if o.HTTPClient != nil {
		// Set after loading: LoadDefaultConfig refuses a plain *http.Client
		// when AWS_CA_BUNDLE is set (it wants to add the bundle to it).
		cfg.HTTPClient = o.HTTPClient
	}
	if o.RoleToAssume != "" {
		if o.IDToken == nil {
			return aws.Config{}, errors.New("role-to-assume needs the GitHub OIDC token; grant the job `permissions: id-token: write`")
		}
		name := o.RoleSessionName
		if name == "" {
			name = "ecsflow"
		}
		stsClient := sts.NewFromConfig(cfg)
		provider := stscreds.NewWebIdentityRoleProvider(stsClient, o.RoleToAssume, tokenFunc(func() ([]byte, error) {
			tok, err := o.IDToken(ctx, Audience)
			if err != nil {
				return nil, fmt.Errorf("failed to get the GitHub OIDC token (does the job have `permissions: id-token: write`?): %w", err)
			}
			return []byte(tok), nil
		}), func(wo *stscreds.WebIdentityRoleOptions) {
			wo.RoleSessionName = sanitizeSession(name)
			if o.RoleDuration > 0 {
				wo.Duration = o.RoleDuration
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return cfg, nil
}

type tokenFunc func() ([]byte, error)

func (f tokenFunc) GetIdentityToken() ([]byte, error) { return f() }

var sessionChars = regexp.MustCompile(`[^\w+=,.@-]`)

func sanitizeSession(s string) string {
	s = sessionChars.ReplaceAllString(s, "-")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// IsLocal reports whether AWS calls go to a stand-in on this machine
// (AWS_ENDPOINT_URL or a service-specific endpoint on a loopback address).
// Only then do clients switch to protocols the stand-in speaks.
func IsLocal(getenv func(string) string, service string) bool {
	if getenv == nil {
		getenv = os.Getenv
	}
	ep := getenv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(service, " ", "_")))
	if ep == "" {
		ep = getenv("AWS_ENDPOINT_URL")
	}
	if ep == "" {
		return false
	}
	u, err := url.Parse(ep)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HTTPClientWithTimeout is a default HTTP client for AWS calls with a
// per-request timeout, so a hung endpoint cannot stall a deployment.
func HTTPClientWithTimeout(d time.Duration) *http.Client {
	return &http.Client{Timeout: d}
}

// FromInputs builds Options from the inputs every AWS-facing action declares:
// aws-region and role-to-assume (and role-session-name when declared). With
// a console, the OIDC token comes from the runner and the SDK's own log
// lines become debug lines.
func FromInputs(in *inputs.Inputs, getenv func(string) string, c *gha.Console) Options {
	o := Options{Getenv: getenv}
	if c != nil {
		o.IDToken = c.Action().GetIDToken
		o.Debugf = c.Debugf
	}
	spec := in.Spec()
	if _, ok := spec.Input("aws-region"); ok {
		o.Region = in.String("aws-region")
	}
	if _, ok := spec.Input("role-to-assume"); ok {
		o.RoleToAssume = in.String("role-to-assume")
	}
	if _, ok := spec.Input("role-session-name"); ok {
		o.RoleSessionName = in.String("role-session-name")
	}
	return o
}
