package ecr

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
)

// scriptedScans answers StartImageScan with start and each
// DescribeImageScanFindings with the next of answers (the last repeats).
type scriptedScans struct {
	API
	start   error
	answers []scanAnswer
	starts  int
	reads   int
}

type scanAnswer struct {
	out *ecr.DescribeImageScanFindingsOutput
	err error
}

func (s *scriptedScans) StartImageScan(context.Context, *ecr.StartImageScanInput, ...func(*ecr.Options)) (*ecr.StartImageScanOutput, error) {
	s.starts++
	return &ecr.StartImageScanOutput{}, s.start
}

func (s *scriptedScans) DescribeImageScanFindings(context.Context, *ecr.DescribeImageScanFindingsInput, ...func(*ecr.Options)) (*ecr.DescribeImageScanFindingsOutput, error) {
	a := s.answers[min(s.reads, len(s.answers)-1)]
	s.reads++
	return a.out, a.err
}

func status(st types.ScanStatus, counts map[string]int32, f *types.ImageScanFindings) scanAnswer {
	if f == nil && counts != nil {
		f = &types.ImageScanFindings{}
	}
	if f != nil {
		f.FindingSeverityCounts = counts
	}
	return scanAnswer{out: &ecr.DescribeImageScanFindingsOutput{ImageScanStatus: &types.ImageScanStatus{Status: st, Description: aws.String(string(st) + " said ECR")}, ImageScanFindings: f}}
}

var notFound = scanAnswer{err: &types.ScanNotFoundException{Message: aws.String("no scan")}}

// inspectorFinding is an enhanced-scanning finding as Amazon Inspector
// reports it through DescribeImageScanFindings.
var inspectorFinding = &types.ImageScanFindings{EnhancedFindings: []types.EnhancedImageScanFinding{{
	Title: aws.String("CVE-2026-0001 - openssl"), Severity: aws.String("CRITICAL"),
	PackageVulnerabilityDetails: &types.PackageVulnerabilityDetails{
		VulnerabilityId: aws.String("CVE-2026-0001"), SourceUrl: aws.String("https://nvd.example/CVE-2026-0001"),
		VulnerablePackages: []types.VulnerablePackage{{Name: aws.String("openssl"), Version: aws.String("3.0.1")}},
	},
}}}

func TestScanStates(t *testing.T) {
	t.Parallel()
	quota := &types.LimitExceededException{Message: aws.String("The scan quota per image has been exceeded. Wait and try again.")}
	enhanced := &types.ValidationException{Message: aws.String("This feature is disabled")}
	cases := []struct {
		name      string
		start     error
		answers   []scanAnswer
		want      ScanResult
		wantReads int
		wantErr   string
	}{
		{name: "scanned today: the existing findings", start: quota,
			answers: []scanAnswer{status(types.ScanStatusComplete, map[string]int32{"HIGH": 2}, nil)},
			want:    ScanResult{Counts: map[string]int{"HIGH": 2}, Blocking: 2}, wantReads: 1},
		{name: "scanning now (scan on push): wait for it", start: quota,
			answers: []scanAnswer{status(types.ScanStatusInProgress, nil, nil), status(types.ScanStatusInProgress, nil, nil), status(types.ScanStatusComplete, map[string]int32{"LOW": 1}, nil)},
			want:    ScanResult{Counts: map[string]int{"LOW": 1}}, wantReads: 3},
		{name: "enhanced scanning: Inspector's continuous findings", start: enhanced,
			answers: []scanAnswer{status(types.ScanStatusPending, nil, nil), status(types.ScanStatusActive, map[string]int32{"CRITICAL": 1}, inspectorFinding)},
			want: ScanResult{Counts: map[string]int{"CRITICAL": 1}, Blocking: 1, Top: []Finding{
				{Name: "CVE-2026-0001", Severity: "CRITICAL", URI: "https://nvd.example/CVE-2026-0001", Package: "openssl 3.0.1"}}}, wantReads: 2},
		{name: "enhanced scanning outside the scan filters: the wait says why", start: enhanced,
			answers: []scanAnswer{notFound}, wantReads: 7,
			wantErr: "the ECR scan of r did not complete within 1m0s (last status PENDING); raise scan-timeout or check the repository's scan settings; ECR also refused to start a basic scan (ValidationException: This feature is disabled): with enhanced scanning, check that the registry's scan filters cover the repository"},
		{name: "Inspector over its quota", start: enhanced,
			answers: []scanAnswer{status(types.ScanStatusLimitExceeded, nil, nil)}, wantReads: 1,
			wantErr: "the ECR scan of r ended LIMIT_EXCEEDED: LIMIT_EXCEEDED said ECR"},
		{name: "archived image", start: quota,
			answers: []scanAnswer{status(types.ScanStatusImageArchived, nil, nil)}, wantReads: 1,
			wantErr: "the ECR scan of r ended IMAGE_ARCHIVED: IMAGE_ARCHIVED said ECR"},
		{name: "findings unavailable", start: nil,
			answers: []scanAnswer{status(types.ScanStatusFindingsUnavailable, nil, nil)}, wantReads: 1,
			wantErr: "the ECR scan of r ended FINDINGS_UNAVAILABLE: FINDINGS_UNAVAILABLE said ECR"},
		{name: "any other refusal stops before reading", start: &types.RepositoryNotFoundException{Message: aws.String("no such repository")},
			wantErr: "failed to start the ECR scan of r: RepositoryNotFoundException: no such repository"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &scriptedScans{start: tc.start, answers: tc.answers}
			got, err := Scan(context.Background(), api, "r", types.ImageIdentifier{ImageTag: aws.String("v1")},
				ScanOptions{Timeout: time.Minute, Poll: 10 * time.Second, FailOn: "HIGH", Clock: &fakeClock{now: time.Unix(0, 0)}})
			require.Equal(t, 1, api.starts)
			require.Equal(t, tc.wantReads, api.reads)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				var te *ScanTimeoutError
				var fe *ScanFailedError
				require.True(t, errors.As(err, &te) || errors.As(err, &fe) || tc.answers == nil,
					"a scan that ends without findings is a verdict build-push reports as such")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// Throttling of StartImageScan itself is still retried: only the quota
// answer is final.
func TestScanStillRetriesThrottling(t *testing.T) {
	t.Parallel()
	var starts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonEC2ContainerRegistry_V20150921.StartImageScan":
			if starts.Add(1) == 1 {
				w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"__type":"ThrottlingException","message":"Rate exceeded"}`))
				return
			}
			_, _ = w.Write([]byte(`{"imageScanStatus":{"status":"IN_PROGRESS"}}`))
		default:
			_, _ = w.Write([]byte(`{"imageScanStatus":{"status":"COMPLETE"},"imageScanFindings":{"findingSeverityCounts":{"MEDIUM":3}}}`))
		}
	}))
	t.Cleanup(srv.Close)
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Options{Region: "eu-west-1", Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	cfg.BaseEndpoint = aws.String(srv.URL)
	cfg.Credentials = aws.AnonymousCredentials{}
	got, err := Scan(context.Background(), ecr.NewFromConfig(cfg), "r", types.ImageIdentifier{ImageTag: aws.String("v1")},
		ScanOptions{FailOn: "HIGH", Clock: &fakeClock{now: time.Unix(0, 0)}})
	require.NoError(t, err)
	require.Equal(t, map[string]int{"MEDIUM": 3}, got.Counts)
	require.EqualValues(t, 2, starts.Load(), "one throttled attempt, one retry")
}
