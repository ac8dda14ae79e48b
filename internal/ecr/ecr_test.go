package ecr

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

func TestIsECRHost(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"123456789012.dkr.ecr.us-east-1.amazonaws.com":      true,
		"123456789012.dkr.ecr-fips.us-east-1.amazonaws.com": true,
		"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn":  true,
		"127.0.0.1:5000":  false,
		"ghcr.io":         false,
		"dkr.ecr.evil.io": false,
	}
	for h, want := range cases {
		if _, got := IsECRHost(h); got != want {
			t.Errorf("IsECRHost(%s) = %v, want %v", h, got, want)
		}
	}
}

type fakeToken struct {
	API
	token   string
	expires time.Time
	// seen records the registry ids and region of the last call.
	seen *[]string
}

func (f fakeToken) GetAuthorizationToken(_ context.Context, in *ecr.GetAuthorizationTokenInput, opts ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	if f.seen != nil {
		o := ecr.Options{Region: "default"}
		for _, fn := range opts {
			fn(&o)
		}
		//lint:ignore SA1019 the fake records what GetLoginFor sends (see ecr.go)
		*f.seen = append(in.RegistryIds, o.Region)
	}
	return &ecr.GetAuthorizationTokenOutput{AuthorizationData: []types.AuthorizationData{{
		AuthorizationToken: aws.String(f.token), ExpiresAt: aws.Time(f.expires),
		ProxyEndpoint: aws.String("https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
	}}}, nil
}

func TestGetLogin(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tok := base64.StdEncoding.EncodeToString([]byte("AWS:s3cr3t-password"))
	l, err := GetLogin(context.Background(), fakeToken{token: tok, expires: now.Add(12 * time.Hour)}, now)
	if err != nil || l.Username != "AWS" || l.Password != "s3cr3t-password" || l.Host != "123456789012.dkr.ecr.eu-west-1.amazonaws.com" {
		t.Fatalf("GetLogin = %+v, %v", l, err)
	}
	if _, err := GetLogin(context.Background(), fakeToken{token: "!!", expires: now.Add(time.Hour)}, now); err == nil {
		t.Fatal("undecodable token must fail")
	}
	var seen []string
	l, err = GetLoginFor(context.Background(), fakeToken{token: tok, expires: now.Add(time.Hour), seen: &seen}, "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com", now)
	if err != nil || l.Host != "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com" || strings.Join(seen, ",") != "222222222222,ap-northeast-1" {
		t.Fatalf("GetLoginFor = %+v, %v; call saw %v", l, err, seen)
	}
	// moto hands out a token that expired in 2015 for the real host.
	l, err = GetLogin(context.Background(), client(t, "eu-west-1"), time.Now())
	if !errors.Is(err, ErrExpired) || l.Username != "AWS" || !strings.HasSuffix(l.Host, ".amazonaws.com") {
		t.Fatalf("moto GetLogin = %+v, %v; want ErrExpired", l, err)
	}
}

func TestEnsureRepositoryOnMoto(t *testing.T) {
	t.Parallel()
	api := client(t, "eu-north-1")
	ctx := context.Background()
	_, err := EnsureRepository(ctx, api, "team/app", false)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "create-repository: true") {
		t.Fatalf("missing repo without create: %v", err)
	}
	r, err := EnsureRepository(ctx, api, "team/app", true)
	if err != nil || !r.Created || !r.Immutable {
		t.Fatalf("create: %+v, %v", r, err)
	}
	out, err := api.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/app"}})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Repositories[0]
	if got.ImageTagMutability != types.ImageTagMutabilityImmutable || got.ImageScanningConfiguration == nil || !got.ImageScanningConfiguration.ScanOnPush {
		t.Fatalf("repository settings = %+v", got)
	}
	r2, err := EnsureRepository(ctx, api, "team/app", true)
	if err != nil || r2.Created || !r2.Immutable || r2.URI != r.URI {
		t.Fatalf("second ensure: %+v, %v", r2, err)
	}
}

const manifestA = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":10},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":20}]}`
const manifestB = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":10},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:4444444444444444444444444444444444444444444444444444444444444444","size":20}]}`

const digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
const digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

func TestRecordAndImmutability(t *testing.T) {
	t.Parallel()
	api := client(t, "ap-south-1")
	ctx := context.Background()
	if _, err := EnsureRepository(ctx, api, "svc", true); err != nil {
		t.Fatal(err)
	}
	mt := "application/vnd.oci.image.manifest.v1+json"
	if err := Record(ctx, api, "svc", []byte(manifestA), mt, []string{"v1", "abc1234"}, digestA); err != nil {
		t.Fatalf("Record A: %v", err)
	}
	img, ok, err := FindByTag(ctx, api, "svc", "abc1234")
	if err != nil || !ok || img.Digest != digestA {
		t.Fatalf("FindByTag = %+v %v %v; want the manifest digest we passed, not moto's own", img, ok, err)
	}
	// Recording the same image and tag again is fine (a re-run).
	if err := Record(ctx, api, "svc", []byte(manifestA), mt, []string{"v1", "more"}, digestA); err != nil {
		t.Fatalf("re-record A: %v", err)
	}
	err = Record(ctx, api, "svc", []byte(manifestB), mt, []string{"new", "v1"}, digestB)
	var ce *TagConflictError
	if !errors.As(err, &ce) || ce.Tag != "v1" || !strings.Contains(err.Error(), digestA) || !strings.Contains(err.Error(), digestB) {
		t.Fatalf("Record B over immutable v1: %v; want a conflict naming both digests", err)
	}
	if _, ok, _ := FindByTag(ctx, api, "svc", "missing"); ok {
		t.Fatal("missing tag found")
	}
}

// fakeClock advances only when slept.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return nil
}

func TestScanOnMoto(t *testing.T) {
	t.Parallel()
	api := client(t, "sa-east-1")
	ctx := context.Background()
	if _, err := EnsureRepository(ctx, api, "scanned", true); err != nil {
		t.Fatal(err)
	}
	if err := Record(ctx, api, "scanned", []byte(manifestA), "application/vnd.oci.image.manifest.v1+json", []string{"v1"}, digestA); err != nil {
		t.Fatal(err)
	}
	id := types.ImageIdentifier{ImageDigest: aws.String(digestA)}
	cases := []struct {
		failOn   string
		blocking int
	}{{"CRITICAL", 0}, {"HIGH", 1}, {"LOW", 1}}
	for _, tc := range cases {
		res, err := Scan(ctx, api, "scanned", id, ScanOptions{FailOn: tc.failOn, Clock: &fakeClock{now: time.Now()}})
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		// moto's canned finding is one HIGH CVE.
		if res.Counts["HIGH"] != 1 || res.Blocking != tc.blocking || len(res.Top) != 1 || res.Top[0].Name != "CVE-9999-9999" || res.Top[0].Package == "" {
			t.Fatalf("fail-on %s: %+v", tc.failOn, res)
		}
	}
}

// pendingScans never completes.
type pendingScans struct {
	API
	polls int
}

func (p *pendingScans) StartImageScan(context.Context, *ecr.StartImageScanInput, ...func(*ecr.Options)) (*ecr.StartImageScanOutput, error) {
	return nil, &types.LimitExceededException{Message: aws.String("one scan per day")}
}

func (p *pendingScans) DescribeImageScanFindings(context.Context, *ecr.DescribeImageScanFindingsInput, ...func(*ecr.Options)) (*ecr.DescribeImageScanFindingsOutput, error) {
	p.polls++
	return &ecr.DescribeImageScanFindingsOutput{ImageScanStatus: &types.ImageScanStatus{Status: types.ScanStatusInProgress}}, nil
}

func TestScanBound(t *testing.T) {
	t.Parallel()
	api := &pendingScans{}
	clk := &fakeClock{now: time.Unix(0, 0)}
	start := clk.now
	_, err := Scan(context.Background(), api, "r", types.ImageIdentifier{ImageTag: aws.String("v1")}, ScanOptions{Timeout: time.Minute, Poll: 10 * time.Second, Clock: clk})
	var te *ScanTimeoutError
	if !errors.As(err, &te) || te.Status != "IN_PROGRESS" {
		t.Fatalf("Scan = %v, want ScanTimeoutError", err)
	}
	if waited := clk.now.Sub(start); waited != time.Minute || api.polls != 7 {
		t.Fatalf("waited %s with %d polls; want 1m and 7 polls", waited, api.polls)
	}
}

func TestJudgeOrdersBySeverity(t *testing.T) {
	t.Parallel()
	f := func(n string, s types.FindingSeverity) Finding {
		return basicFinding(types.ImageScanFinding{Name: aws.String(n), Severity: s})
	}
	r := judge(map[string]int32{"LOW": 2, "CRITICAL": 1, "MEDIUM": 1},
		[]Finding{f("l1", "LOW"), f("m1", "MEDIUM"), f("c1", "CRITICAL"), f("l2", "LOW")}, "MEDIUM")
	var names bytes.Buffer
	for _, x := range r.Top {
		names.WriteString(x.Name + " ")
	}
	if names.String() != "c1 m1 l1 l2 " || r.Blocking != 2 {
		t.Fatalf("judge = %q blocking %d", names.String(), r.Blocking)
	}
}

func TestMergeAcrossPlatforms(t *testing.T) {
	t.Parallel()
	var r ScanResult
	r.Merge(ScanResult{Counts: map[string]int{"HIGH": 1}, Blocking: 1, Top: []Finding{{Name: "CVE-1", Severity: "HIGH", Package: "a 1"}}})
	r.Merge(ScanResult{Counts: map[string]int{"HIGH": 1, "CRITICAL": 1}, Blocking: 2, Top: []Finding{
		{Name: "CVE-1", Severity: "HIGH", Package: "a 1"}, {Name: "CVE-2", Severity: "CRITICAL", Package: "b 2"}}})
	if r.Counts["HIGH"] != 2 || r.Counts["CRITICAL"] != 1 || r.Blocking != 3 || len(r.Top) != 2 || r.Top[0].Name != "CVE-2" {
		t.Fatalf("Merge = %+v", r)
	}
}
