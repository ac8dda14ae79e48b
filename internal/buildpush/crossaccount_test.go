package buildpush

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/ecr"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/registry"
)

// accountsECR plays ECR for several accounts: each registry's password is
// pw-<account>-<region>, given only to a GetAuthorizationToken call made in
// that region for that registry id (the caller's own is 111111111111 in
// eu-west-1).
type accountsECR struct{ ecr.API }

func (accountsECR) GetAuthorizationToken(_ context.Context, in *awsecr.GetAuthorizationTokenInput, opts ...func(*awsecr.Options)) (*awsecr.GetAuthorizationTokenOutput, error) {
	o := awsecr.Options{Region: "eu-west-1"}
	for _, fn := range opts {
		fn(&o)
	}
	account := "111111111111"
	//lint:ignore SA1019 the fake reads what internal/ecr sends
	if ids := in.RegistryIds; len(ids) > 0 {
		account = ids[0]
	}
	tok := base64.StdEncoding.EncodeToString([]byte("AWS:pw-" + account + "-" + o.Region))
	return &awsecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{
		AuthorizationToken: aws.String(tok), ExpiresAt: aws.Time(time.Now().Add(12 * time.Hour)),
		ProxyEndpoint: aws.String("https://" + account + ".dkr.ecr." + o.Region + ".amazonaws.com"),
	}}}, nil
}

func (accountsECR) DescribeRepositories(_ context.Context, in *awsecr.DescribeRepositoriesInput, _ ...func(*awsecr.Options)) (*awsecr.DescribeRepositoriesOutput, error) {
	return &awsecr.DescribeRepositoriesOutput{Repositories: []ecrtypes.Repository{{
		RepositoryName: aws.String(in.RepositoryNames[0]), ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable,
		RepositoryUri: aws.String("111111111111.dkr.ecr.eu-west-1.amazonaws.com/" + in.RepositoryNames[0]),
	}}}, nil
}

// ecrRouter sends requests for ECR hosts to local registries over HTTP,
// telling each which host was asked for.
type ecrRouter struct{ routes map[string]string }

func (r ecrRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	local, ok := r.routes[req.URL.Host]
	if !ok {
		return http.DefaultTransport.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.Header.Set("X-Ecr-Host", req.URL.Host)
	out.URL.Scheme, out.URL.Host, out.Host = "http", local, local
	resp, err := http.DefaultTransport.RoundTrip(out)
	if resp != nil {
		// Relative Location headers resolve against the host asked for.
		resp.Request = req
	}
	return resp, err
}

// ecrAuth accepts only the password of the registry host asked for.
func ecrAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Header.Get("X-Ecr-Host")
		account, rest, _ := strings.Cut(host, ".dkr.ecr.")
		region, _, _ := strings.Cut(rest, ".")
		if u, p, ok := r.BasicAuth(); !ok || u != "AWS" || p != "pw-"+account+"-"+region {
			w.Header().Set("WWW-Authenticate", `Basic realm="ecr"`)
			http.Error(w, `{"errors":[{"code":"DENIED","message":"not authorized"}]}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func TestPromoteAcrossAccountsAndRegions(t *testing.T) {
	t.Parallel()
	const (
		srcHost = "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com"
		dstHost = "111111111111.dkr.ecr.eu-west-1.amazonaws.com"
	)
	router := ecrRouter{routes: map[string]string{srcHost: newRegistry(t, ecrAuth), dstHost: newRegistry(t, ecrAuth)}}
	ctx := context.Background()

	// Seed the source account's repository.
	img, err := random.Image(2048, 2)
	must(t, err)
	seed := registry.New(registry.WithTransport(router), registry.WithKeychain(registry.Keychain{Hosts: map[string]authn.Authenticator{
		srcHost: &authn.Basic{Username: "AWS", Password: "pw-222222222222-ap-northeast-1"},
	}}))
	d, err := seed.Push(ctx, mustRepo(t, srcHost, "staging/web"), registry.Artifact{Image: img})
	must(t, err)

	deps := Deps{Transport: router, ECR: func(context.Context, *cli.Env) (ecr.API, error) { return accountsECR{}, nil }}
	r := runAction(t, deps, nil, "--repository", "web", "--tags", "release-7", "--promote-from", srcHost+"/staging/web@"+d.String())
	wantCode(t, r, exitcode.OK)
	if r.res.Outcome != "promoted" || r.res.Digest != d.String() || r.out["image"] != dstHost+"/web@"+d.String() {
		t.Fatalf("promotion: %+v outputs %v", r.res, r.out)
	}
	if r.res.Traffic.BytesUp == 0 {
		t.Fatal("a promotion across registries must copy the blobs")
	}
	if strings.Contains(r.stdout, "pw-") || strings.Contains(r.stderr, "pw-") {
		t.Fatal("a registry password reached the log")
	}
	dst := registry.New(registry.WithTransport(router), registry.WithKeychain(registry.Keychain{Hosts: map[string]authn.Authenticator{
		dstHost: &authn.Basic{Username: "AWS", Password: "pw-111111111111-eu-west-1"},
		srcHost: &authn.Basic{Username: "AWS", Password: "pw-222222222222-ap-northeast-1"},
	}}))
	a, err := dst.Get(ctx, mustRepo(t, dstHost, "web").Tag("release-7"))
	must(t, err)
	b, err := dst.Get(ctx, mustRepo(t, srcHost, "staging/web").Digest(d.String()))
	must(t, err)
	ra, _ := a.RawManifest()
	rb, _ := b.RawManifest()
	if !bytes.Equal(ra, rb) {
		t.Fatal("the promoted manifest differs from the source")
	}
}
