package buildpush

import (
	"fmt"
	"testing"

	"github.com/ecsflow/ecsflow/internal/exitcode"
)

// The benchmarks run the whole action (buildah, in-process registry) and
// report registry traffic per run next to the time:
//
//	go test -run='^$' -bench=. ./internal/buildpush/
//
// scripts/bench/build-push.sh measures the same against docker-registry
// with the example images and compares with buildah push and skopeo copy.

func reportTraffic(b *testing.B, r run) {
	b.Helper()
	t := r.res.Traffic
	b.ReportMetric(float64(t.BytesUp), "blob-bytes-up/op")
	b.ReportMetric(float64(t.Total()), "requests/op")
	b.ReportMetric(float64(t.ManifestPuts), "manifest-puts/op")
}

func BenchmarkColdBuild(b *testing.B) {
	dir := fixture(b)
	var last run
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		host := newRegistryB(b)
		b.StartTimer()
		last = runActionB(b, "--context", dir, "--repository", "web", "--registry", host, "--builder", "buildah", "--tags", "v1")
		if last.res.Outcome != "built" {
			b.Fatalf("outcome %q", last.res.Outcome)
		}
	}
	reportTraffic(b, last)
}

func BenchmarkRerunUnchanged(b *testing.B) {
	dir := fixture(b)
	host := newRegistryB(b)
	runActionB(b, "--context", dir, "--repository", "web", "--registry", host, "--builder", "buildah", "--tags", "v1")
	var last run
	for b.Loop() {
		last = runActionB(b, "--context", dir, "--repository", "web", "--registry", host, "--builder", "buildah", "--tags", "v1")
		if last.res.Outcome != "skipped" || last.res.Traffic.BytesUp != 0 {
			b.Fatalf("rerun: outcome %q traffic %+v", last.res.Outcome, last.res.Traffic)
		}
	}
	reportTraffic(b, last)
}

func BenchmarkPromoteAcrossRegistries(b *testing.B) {
	dir := fixture(b)
	staging := newRegistryB(b)
	built := runActionB(b, "--context", dir, "--repository", "web", "--registry", staging, "--builder", "buildah", "--tags", "v1")
	var last run
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		prod := newRegistryB(b)
		b.StartTimer()
		last = runActionB(b, "--repository", fmt.Sprintf("prod/web%d", i), "--registry", prod, "--tags", "release", "--promote-from", staging+"/web@"+built.res.Digest)
		if last.res.Digest != built.res.Digest {
			b.Fatalf("promoted digest %s != %s", last.res.Digest, built.res.Digest)
		}
	}
	reportTraffic(b, last)
}

func BenchmarkPromoteBlobsPresent(b *testing.B) {
	dir := fixture(b)
	host := newRegistryB(b)
	built := runActionB(b, "--context", dir, "--repository", "staging/web", "--registry", host, "--builder", "buildah", "--tags", "v1")
	var last run
	for i := 0; b.Loop(); i++ {
		last = runActionB(b, "--repository", fmt.Sprintf("prod/web%d", i), "--registry", host, "--tags", "release", "--promote-from", "staging/web@"+built.res.Digest)
		if last.res.Traffic.BytesUp != 0 {
			b.Fatalf("promotion uploaded blobs: %+v", last.res.Traffic)
		}
	}
	reportTraffic(b, last)
}

func newRegistryB(b *testing.B) string { return newRegistry(b, nil) }

func runActionB(b *testing.B, args ...string) run {
	b.Helper()
	r := runAction(b, Deps{}, nil, args...)
	if r.code != exitcode.OK {
		b.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	return r
}
