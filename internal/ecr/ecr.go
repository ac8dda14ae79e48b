// Package ecr is build-push's use of the Amazon ECR API: registry login
// from GetAuthorizationToken, repository creation with immutable tags and
// scan on push, recording an image pushed to a separate layer registry
// (the local sandbox), looking images up, and waiting for a scan with a
// bound and judging its findings against a severity threshold.
package ecr

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/ecsflow/ecsflow/internal/clock"
)

// TokenAPI is the one ECR call a registry login makes (optimize reads
// manifests with no other).
type TokenAPI interface {
	GetAuthorizationToken(ctx context.Context, in *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

// API is the part of the ECR client build-push calls.
type API interface {
	TokenAPI
	CreateRepository(ctx context.Context, in *ecr.CreateRepositoryInput, optFns ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
	DescribeRepositories(ctx context.Context, in *ecr.DescribeRepositoriesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	DescribeImages(ctx context.Context, in *ecr.DescribeImagesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
	PutImage(ctx context.Context, in *ecr.PutImageInput, optFns ...func(*ecr.Options)) (*ecr.PutImageOutput, error)
	StartImageScan(ctx context.Context, in *ecr.StartImageScanInput, optFns ...func(*ecr.Options)) (*ecr.StartImageScanOutput, error)
	DescribeImageScanFindings(ctx context.Context, in *ecr.DescribeImageScanFindingsInput, optFns ...func(*ecr.Options)) (*ecr.DescribeImageScanFindingsOutput, error)
}

// hostRE matches ECR registry hosts (including FIPS and China partitions).
var hostRE = regexp.MustCompile(`^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$`)

// IsECRHost reports whether host is an ECR registry and returns its account.
func IsECRHost(host string) (account string, ok bool) {
	m := hostRE.FindStringSubmatch(host)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Login is registry credentials from GetAuthorizationToken.
type Login struct {
	// Host is the registry host (from the proxy endpoint).
	Host      string
	Username  string
	Password  string
	ExpiresAt time.Time
}

// ErrExpired is a token that expired before it was used.
var ErrExpired = errors.New("the ECR authorization token has already expired")

// GetLogin calls GetAuthorizationToken for the caller's own registry and
// decodes the token. The password must be masked by the caller before
// anything is logged.
func GetLogin(ctx context.Context, api TokenAPI, now time.Time) (Login, error) {
	out, err := api.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return Login{}, fmt.Errorf("failed to get an ECR authorization token (needs ecr:GetAuthorizationToken): %w", err)
	}
	return decodeLogin(out, now)
}

// GetLoginFor returns credentials for the ECR registry at host, which may
// belong to another account or region (the source of a promotion): the
// token is requested in the host's region for the host's registry id.
func GetLoginFor(ctx context.Context, api TokenAPI, host string, now time.Time) (Login, error) {
	m := hostRE.FindStringSubmatch(host)
	if m == nil {
		return Login{}, fmt.Errorf("%s is not an ECR registry host", host)
	}
	account, region := m[1], m[3]
	// RegistryIds no longer narrows the token (the SDK marks it deprecated);
	// it still says which registry the request is for, and it is harmless.
	//lint:ignore SA1019 kept on purpose, see above
	out, err := api.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{RegistryIds: []string{account}},
		func(o *ecr.Options) { o.Region = region })
	if err != nil {
		return Login{}, fmt.Errorf("failed to get an ECR authorization token for %s (needs ecr:GetAuthorizationToken in %s): %w", host, region, err)
	}
	l, err := decodeLogin(out, now)
	l.Host = host
	return l, err
}

func decodeLogin(out *ecr.GetAuthorizationTokenOutput, now time.Time) (Login, error) {
	if len(out.AuthorizationData) == 0 {
		return Login{}, errors.New("ECR returned no authorization data")
	}
	ad := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(ad.AuthorizationToken))
	if err != nil {
		return Login{}, fmt.Errorf("ECR returned an undecodable authorization token: %w", err)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return Login{}, errors.New("ECR returned an authorization token without user:password")
	}
	l := Login{Username: user, Password: pass}
	if ad.ExpiresAt != nil {
		l.ExpiresAt = *ad.ExpiresAt
	}
	if u, err := url.Parse(aws.ToString(ad.ProxyEndpoint)); err == nil && u.Host != "" {
		l.Host = u.Host
	}
	if !l.ExpiresAt.IsZero() && !l.ExpiresAt.After(now) {
		return l, ErrExpired
	}
	return l, nil
}

// Repo is what build-push needs to know about a repository.
type Repo struct {
	Name      string
	URI       string
	Immutable bool
	Created   bool
}

// NotFoundError is a repository that does not exist.
type NotFoundError struct{ Name string }

// Error implements the error interface.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("ECR repository %q does not exist; create it with Terraform or set create-repository: true", e.Name)
}

// EnsureRepository describes the repository and, when create is true and it
// is missing, creates it with immutable tags, scan on push and AES256
// encryption.
func EnsureRepository(ctx context.Context, api API, name string, create bool) (Repo, error) {
	out, err := api.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	if err == nil && len(out.Repositories) > 0 {
		r := out.Repositories[0]
		return Repo{Name: name, URI: aws.ToString(r.RepositoryUri), Immutable: isImmutable(r.ImageTagMutability)}, nil
	}
	var nf *types.RepositoryNotFoundException
	if err != nil && !errors.As(err, &nf) {
		return Repo{}, fmt.Errorf("failed to describe ECR repository %s: %w", name, err)
	}
	if !create {
		return Repo{}, &NotFoundError{Name: name}
	}
	cout, err := api.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String(name),
		ImageTagMutability:         types.ImageTagMutabilityImmutable,
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true},
		EncryptionConfiguration:    &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeAes256},
		Tags:                       []types.Tag{{Key: aws.String("managed-by"), Value: aws.String("ecsflow")}},
	})
	if err != nil {
		var exists *types.RepositoryAlreadyExistsException
		if errors.As(err, &exists) { // created by a parallel job
			return EnsureRepository(ctx, api, name, false)
		}
		return Repo{}, fmt.Errorf("failed to create ECR repository %s: %w", name, err)
	}
	return Repo{Name: name, URI: aws.ToString(cout.Repository.RepositoryUri), Immutable: true, Created: true}, nil
}

func isImmutable(m types.ImageTagMutability) bool {
	return m == types.ImageTagMutabilityImmutable || strings.HasPrefix(string(m), "IMMUTABLE")
}

// TagConflictError is ECR refusing to move an immutable tag.
type TagConflictError struct {
	Repository string
	Tag        string
	Existing   string
	Wanted     string
}

// Error implements the error interface.
func (e *TagConflictError) Error() string {
	return fmt.Sprintf("ECR repository %s: immutable tag %s already points at %s, not at %s; choose a new tag instead of overwriting", e.Repository, e.Tag, e.Existing, e.Wanted)
}

// Record registers a manifest under tags with PutImage, for an image whose
// blobs live in a separate registry (the sandbox pairs moto's ECR API with
// a local OCI registry). It passes the manifest digest as imageDigest, so
// ECR (and moto, which otherwise hashes the layer digests) records the same
// digest the registry has. A tag ECR holds for another image is a
// *TagConflictError naming both digests; a tag that already records this
// image is left alone.
func Record(ctx context.Context, api API, repo string, manifest []byte, mediaType string, tags []string, digest string) error {
	for _, tag := range tags {
		_, err := api.PutImage(ctx, &ecr.PutImageInput{
			RepositoryName:         aws.String(repo),
			ImageManifest:          aws.String(string(manifest)),
			ImageManifestMediaType: aws.String(mediaType),
			ImageDigest:            aws.String(digest),
			ImageTag:               aws.String(tag),
		})
		if err == nil {
			continue
		}
		var tagExists *types.ImageTagAlreadyExistsException
		var imgExists *types.ImageAlreadyExistsException
		if !errors.As(err, &tagExists) && !errors.As(err, &imgExists) {
			return fmt.Errorf("failed to record %s:%s in ECR (PutImage): %w", repo, tag, err)
		}
		// Real ECR says ImageTagAlreadyExists for an immutable tag on
		// another image and ImageAlreadyExists for the same image and
		// tag; moto says ImageAlreadyExists for both. Ask which it is.
		existing, derr := digestOfTag(ctx, api, repo, tag)
		if derr != nil {
			return fmt.Errorf("failed to record %s:%s in ECR: %w (and describing the tag failed: %v)", repo, tag, err, derr)
		}
		if existing == digest {
			continue
		}
		return &TagConflictError{Repository: repo, Tag: tag, Existing: orUnknown(existing), Wanted: digest}
	}
	return nil
}

// RecordUntagged registers a manifest by digest only, as a registry push
// does for the platform images of a manifest list (so they can be scanned).
func RecordUntagged(ctx context.Context, api API, repo string, manifest []byte, mediaType, digest string) error {
	_, err := api.PutImage(ctx, &ecr.PutImageInput{
		RepositoryName:         aws.String(repo),
		ImageManifest:          aws.String(string(manifest)),
		ImageManifestMediaType: aws.String(mediaType),
		ImageDigest:            aws.String(digest),
	})
	var imgExists *types.ImageAlreadyExistsException
	if err != nil && !errors.As(err, &imgExists) {
		return fmt.Errorf("failed to record %s@%s in ECR (PutImage): %w", repo, digest, err)
	}
	return nil
}

// Merge adds the findings of another scan (another platform of the same
// image) to r.
func (r *ScanResult) Merge(o ScanResult) {
	if r.Counts == nil {
		r.Counts = map[string]int{}
	}
	for k, v := range o.Counts {
		r.Counts[k] += v
	}
	r.Blocking += o.Blocking
	seen := map[string]bool{}
	for _, f := range r.Top {
		seen[f.Name+"|"+f.Package] = true
	}
	for _, f := range o.Top {
		if !seen[f.Name+"|"+f.Package] {
			r.Top = append(r.Top, f)
		}
	}
	sort.SliceStable(r.Top, func(i, j int) bool { return rank(r.Top[i].Severity) < rank(r.Top[j].Severity) })
	if len(r.Top) > TopN {
		r.Top = r.Top[:TopN]
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "another image"
	}
	return s
}

func digestOfTag(ctx context.Context, api API, repo, tag string) (string, error) {
	out, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String(repo), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String(tag)}}})
	if err != nil {
		var nf *types.ImageNotFoundException
		if errors.As(err, &nf) {
			return "", nil
		}
		return "", err
	}
	if len(out.ImageDetails) == 0 {
		return "", nil
	}
	return aws.ToString(out.ImageDetails[0].ImageDigest), nil
}

// Image is what DescribeImages says about one image.
type Image struct {
	Digest   string
	Tags     []string
	Size     int64
	PushedAt time.Time
}

// FindByTag returns the image a tag names, or ok=false.
func FindByTag(ctx context.Context, api API, repo, tag string) (Image, bool, error) {
	out, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String(repo), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String(tag)}}})
	if err != nil {
		var nf *types.ImageNotFoundException
		if errors.As(err, &nf) {
			return Image{}, false, nil
		}
		return Image{}, false, fmt.Errorf("failed to describe %s:%s: %w", repo, tag, err)
	}
	if len(out.ImageDetails) == 0 {
		return Image{}, false, nil
	}
	d := out.ImageDetails[0]
	img := Image{Digest: aws.ToString(d.ImageDigest), Tags: d.ImageTags, Size: aws.ToInt64(d.ImageSizeInBytes)}
	if d.ImagePushedAt != nil {
		img.PushedAt = *d.ImagePushedAt
	}
	return img, true, nil
}

// Severities in decreasing order.
var Severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"}

func rank(sev string) int {
	for i, s := range Severities {
		if s == sev {
			return i
		}
	}
	return len(Severities)
}

// Finding is one vulnerability.
type Finding struct {
	Name     string
	Severity string
	URI      string
	Package  string
}

// ScanResult is a completed scan.
type ScanResult struct {
	Counts map[string]int
	// Top holds the most severe findings, at most TopN.
	Top []Finding
	// Blocking counts findings at or above the threshold.
	Blocking int
}

// TopN is how many findings ScanResult.Top keeps.
const TopN = 10

// ScanTimeoutError is a scan that did not finish within the bound.
type ScanTimeoutError struct {
	Repository string
	Waited     time.Duration
	Status     string
}

// Error implements the error interface.
func (e *ScanTimeoutError) Error() string {
	return fmt.Sprintf("the ECR scan of %s did not complete within %s (last status %s); raise scan-timeout or check the repository's scan settings", e.Repository, e.Waited, e.Status)
}

// ScanFailedError is a scan ECR could not complete (unsupported image).
type ScanFailedError struct {
	Repository string
	Status     string
	Reason     string
}

// Error implements the error interface.
func (e *ScanFailedError) Error() string {
	return fmt.Sprintf("the ECR scan of %s ended %s: %s", e.Repository, e.Status, e.Reason)
}

// ScanOptions bound a scan wait.
type ScanOptions struct {
	// Timeout bounds the wait; 0 is 10 minutes.
	Timeout time.Duration
	// Poll is the interval between checks; 0 is 5 seconds.
	Poll time.Duration
	// FailOn is the lowest severity that blocks (CRITICAL, HIGH, ...).
	FailOn string
	Clock  clock.Clock
}

// Scan starts a basic scan of the image, waits for its findings with a
// bound, and counts them against opts.FailOn.
//
// ECR starts a basic scan of an image at most once per 24 hours, scan on
// push included, and answers a second StartImageScan with
// LimitExceededException
// (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_StartImageScan.html).
// That answer means "scanned today or scanning now": Scan reads the findings
// of that scan instead of retrying. A registry with enhanced scanning
// (Amazon Inspector) scans on push or continuously and refuses
// StartImageScan, which only starts basic scans; Scan then reads the
// findings Inspector keeps (status ACTIVE).
func Scan(ctx context.Context, api API, repo string, id types.ImageIdentifier, opts ScanOptions) (ScanResult, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Minute
	}
	if opts.Poll == 0 {
		opts.Poll = 5 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clock.Wall{}
	}
	refused, err := startScan(ctx, api, repo, id)
	if err != nil {
		return ScanResult{}, err
	}
	start := opts.Clock.Now()
	status := "PENDING"
	for {
		out, err := describeAllFindings(ctx, api, repo, id)
		if err != nil {
			var nf *types.ScanNotFoundException
			if !errors.As(err, &nf) {
				return ScanResult{}, fmt.Errorf("failed to read the ECR scan of %s: %w", repo, err)
			}
		} else if out.status != nil {
			status = string(out.status.Status)
			switch out.status.Status {
			case types.ScanStatusComplete, types.ScanStatusActive:
				return judge(out.counts, out.findings, opts.FailOn), nil
			case types.ScanStatusFailed, types.ScanStatusUnsupportedImage, types.ScanStatusScanEligibilityExpired,
				types.ScanStatusFindingsUnavailable, types.ScanStatusLimitExceeded, types.ScanStatusImageArchived:
				return ScanResult{}, &ScanFailedError{Repository: repo, Status: status, Reason: aws.ToString(out.status.Description)}
			}
		}
		if opts.Clock.Now().Sub(start) >= opts.Timeout {
			te := &ScanTimeoutError{Repository: repo, Waited: opts.Timeout, Status: status}
			if refused != nil {
				return ScanResult{}, fmt.Errorf("%w; ECR also refused to start a basic scan (%v): with enhanced scanning, check that the registry's scan filters cover the repository", te, refused)
			}
			return ScanResult{}, te
		}
		if err := opts.Clock.Sleep(ctx, opts.Poll); err != nil {
			return ScanResult{}, err
		}
	}
}

// startScan calls StartImageScan. The per-image quota (scanned or scanning
// within 24 hours) is not an error: the findings of that scan are read.
// A ValidationException, which a registry with enhanced scanning answers,
// is returned as refused so the wait can say why no scan appears.
func startScan(ctx context.Context, api API, repo string, id types.ImageIdentifier) (refused error, err error) {
	_, err = api.StartImageScan(ctx, &ecr.StartImageScanInput{RepositoryName: aws.String(repo), ImageId: &id}, quotaIsAnswer)
	var validation *types.ValidationException
	switch {
	case err == nil, isScanQuota(err):
		return nil, nil
	case errors.As(err, &validation):
		return err, nil
	}
	return nil, fmt.Errorf("failed to start the ECR scan of %s: %w", repo, err)
}

type findingsPage struct {
	status   *types.ImageScanStatus
	counts   map[string]int32
	findings []Finding
}

func describeAllFindings(ctx context.Context, api API, repo string, id types.ImageIdentifier) (findingsPage, error) {
	var res findingsPage
	in := &ecr.DescribeImageScanFindingsInput{RepositoryName: aws.String(repo), ImageId: &id}
	for {
		out, err := api.DescribeImageScanFindings(ctx, in)
		if err != nil {
			return res, err
		}
		res.status = out.ImageScanStatus
		if f := out.ImageScanFindings; f != nil {
			res.counts = f.FindingSeverityCounts
			for _, b := range f.Findings {
				res.findings = append(res.findings, basicFinding(b))
			}
			for _, e := range f.EnhancedFindings {
				res.findings = append(res.findings, enhancedFinding(e))
			}
		}
		if out.NextToken == nil || res.status == nil ||
			(res.status.Status != types.ScanStatusComplete && res.status.Status != types.ScanStatusActive) {
			return res, nil
		}
		in.NextToken = out.NextToken
	}
}

// basicFinding reads a finding of basic scanning, whose package is in its
// attributes.
func basicFinding(f types.ImageScanFinding) Finding {
	fd := Finding{Name: aws.ToString(f.Name), Severity: string(f.Severity), URI: aws.ToString(f.Uri)}
	var pkg, ver string
	for _, a := range f.Attributes {
		switch aws.ToString(a.Key) {
		case "package_name":
			pkg = aws.ToString(a.Value)
		case "package_version":
			ver = aws.ToString(a.Value)
		}
	}
	if pkg != "" {
		fd.Package = strings.TrimSuffix(pkg+" "+ver, " ")
	}
	return fd
}

// enhancedFinding reads a finding of enhanced scanning (Amazon Inspector):
// the vulnerability id and packages are in its package details.
func enhancedFinding(f types.EnhancedImageScanFinding) Finding {
	fd := Finding{Name: aws.ToString(f.Title), Severity: aws.ToString(f.Severity)}
	if d := f.PackageVulnerabilityDetails; d != nil {
		if v := aws.ToString(d.VulnerabilityId); v != "" {
			fd.Name = v
		}
		fd.URI = aws.ToString(d.SourceUrl)
		if len(d.VulnerablePackages) > 0 {
			p := d.VulnerablePackages[0]
			fd.Package = strings.TrimSpace(aws.ToString(p.Name) + " " + aws.ToString(p.Version))
		}
	}
	return fd
}

func judge(counts map[string]int32, findings []Finding, failOn string) ScanResult {
	r := ScanResult{Counts: map[string]int{}}
	for k, v := range counts {
		r.Counts[k] = int(v)
		if failOn != "" && rank(k) <= rank(failOn) {
			r.Blocking += int(v)
		}
	}
	sort.SliceStable(findings, func(i, j int) bool { return rank(findings[i].Severity) < rank(findings[j].Severity) })
	if len(findings) > TopN {
		findings = findings[:TopN]
	}
	r.Top = findings
	return r
}
