package buildpush

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecsflow/ecsflow/internal/ecr"
	"github.com/ecsflow/ecsflow/internal/summary"
)

// summary writes the job summary: image, digest, tags, size, outcome,
// registry traffic, scan counts and the time each step took.
func (r *runner) summary(runErr error) {
	res := r.res
	var b summary.Builder
	b.Heading(3, "build-push: "+r.cfg.Repository)
	if runErr != nil {
		b.Para("**Failed:** %s", strings.ReplaceAll(runErr.Error(), "\n", " "))
	}
	rows := [][]string{}
	add := func(k, v string) {
		if v != "" {
			rows = append(rows, []string{k, v})
		}
	}
	add("Image", res.Image)
	add("Digest", code(res.Digest))
	add("Tags", strings.Join(res.Tags, ", "))
	if res.Size > 0 {
		add("Size", humanBytes(res.Size))
	}
	add("Result", outcomeText(res.Outcome))
	add("Builder", res.Builder)
	add("Platforms", strings.Join(res.Platforms, ", "))
	add("Context digest", code(res.ContextDigest))
	t := res.Traffic
	if t.Total() > 0 {
		add("Registry traffic", fmt.Sprintf("%d requests, %s of blobs uploaded in %d upload(s), %d blob mount(s), %d manifest write(s)",
			t.Total(), humanBytes(t.BytesUp), t.BlobUploads, t.BlobMounts, t.ManifestPuts))
	}
	if res.Scan != nil {
		add("Scan", countsText(res.Scan.Counts)+fmt.Sprintf(" (fail on %s and above)", r.cfg.FailOn))
	}
	if len(rows) > 0 {
		b.Table([]string{"", ""}, rows)
	}
	if res.Scan != nil && len(res.Scan.Top) > 0 {
		var fr [][]string
		for _, f := range res.Scan.Top {
			n := f.Name
			if f.URI != "" {
				n = fmt.Sprintf("[%s](%s)", f.Name, f.URI)
			}
			fr = append(fr, []string{f.Severity, n, f.Package})
		}
		b.Heading(4, fmt.Sprintf("Top findings (at most %d)", ecr.TopN))
		b.Table([]string{"Severity", "Vulnerability", "Package"}, fr)
	}
	if len(res.Steps) > 0 {
		var sr [][]string
		var total time.Duration
		for _, s := range res.Steps {
			sr = append(sr, []string{s.Name, s.Duration.Round(time.Millisecond).String()})
			total += s.Duration
		}
		sr = append(sr, []string{"**Total**", total.Round(time.Millisecond).String()})
		b.Heading(4, "Steps")
		b.Table([]string{"Step", "Time"}, sr)
	}
	r.env.Console.AddSummary(b.String())
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

func outcomeText(o string) string {
	switch o {
	case "built":
		return "built and pushed"
	case "skipped":
		return "skipped: an image with this context digest exists; tags added"
	case "promoted":
		return "promoted: same digest copied, nothing rebuilt"
	case "built-not-pushed":
		return "built (push: false)"
	}
	return o
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
