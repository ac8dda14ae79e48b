package validate

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/ecsflow/ecsflow/internal/testenv/benchtree"
)

var (
	largeOnce  sync.Once
	largeDir   string
	largeStats benchtree.Stats
	largeErr   error
)

// largeTree generates the benchmark tree once per test binary (300
// service modules, about 3300 resources and 1200 files).
func largeTree(b *testing.B) (string, benchtree.Stats) {
	b.Helper()
	largeOnce.Do(func() {
		largeDir, largeErr = os.MkdirTemp("", "validate-bench-")
		if largeErr == nil {
			largeStats, largeErr = benchtree.Write(largeDir, 300)
		}
	})
	if largeErr != nil {
		b.Fatal(largeErr)
	}
	return largeDir, largeStats
}

func benchAnalyse(b *testing.B, s *Settings, files int) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := Analyse(context.Background(), s, Options{Workspace: b.TempDir(), Shellcheck: "off"})
		if err != nil {
			b.Fatal(err)
		}
		if out.Files != files {
			b.Fatalf("checked %d files, want %d", out.Files, files)
		}
	}
	b.ReportMetric(float64(files)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkExampleStack validates examples/open-webui (both roots and the
// task-definition files), as the example workflow does.
func BenchmarkExampleStack(b *testing.B) {
	tds, _ := filepath.Glob("../../examples/open-webui/task-definitions/*.json")
	s := &Settings{Roots: []string{"../../examples/open-webui/terraform", "../../examples/open-webui/bootstrap"}, TaskDefs: tds}
	out, err := Analyse(context.Background(), s, Options{Workspace: b.TempDir(), Shellcheck: "off"})
	if err != nil {
		b.Fatal(err)
	}
	benchAnalyse(b, s, out.Files)
}

// BenchmarkLargeTree validates the generated tree (see benchtree).
func BenchmarkLargeTree(b *testing.B) {
	dir, st := largeTree(b)
	b.ReportMetric(float64(st.Resources), "resources")
	benchAnalyse(b, &Settings{Roots: []string{dir}}, st.Files)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if largeDir != "" {
		os.RemoveAll(largeDir)
	}
	os.Exit(code)
}

// BenchmarkFlatStack validates one main.tf of 10 000 resources (see
// benchtree.WriteFlat) and reports, per 1 000 resources, time, allocated
// bytes and the peak heap (live objects and garbage not yet collected,
// sampled while validate runs), the figures that must stay flat as a
// monolithic stack grows.
func BenchmarkFlatStack(b *testing.B) {
	dir := b.TempDir()
	st, err := benchtree.WriteFlat(dir, 10000)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := sampleHeapPeak(time.Millisecond)
	benchAnalyse(b, &Settings{Roots: []string{dir}}, st.Files)
	peakHeap := peak()
	runtime.ReadMemStats(&after)
	per := float64(b.N) * float64(st.Resources) / 1000
	b.ReportMetric(b.Elapsed().Seconds()*1000/per, "ms/1000resources")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20)/per, "allocMB/1000resources")
	b.ReportMetric(float64(peakHeap-min(peakHeap, before.HeapAlloc))/(1<<20)/(float64(st.Resources)/1000), "peakheapMB/1000resources")
	b.ReportMetric(float64(st.Bytes)/float64(st.Resources)*1000/(1<<20), "inputMB/1000resources")
}

// sampleHeapPeak samples the heap's object bytes every interval until the
// returned function is called, which returns the largest sample.
func sampleHeapPeak(interval time.Duration) func() uint64 {
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				result <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-result
	}
}
