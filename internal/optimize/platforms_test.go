package optimize_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/optimize"
	"github.com/ecsflow/ecsflow/internal/testenv/ocitest"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/usagegen"
)

var (
	amd64       = v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64       = v1.Platform{OS: "linux", Architecture: "arm64"}
	attestation = v1.Platform{OS: "unknown", Architecture: "unknown"} // BuildKit's provenance entry
)

// pushImage pushes to the sandbox's registry an OCI index of one image per
// platform, or the single image of one platform when single is true, and
// returns its reference.
func pushImage(t *testing.T, host, repo string, single bool, platforms ...v1.Platform) string {
	t.Helper()
	ref, err := name.ParseReference(host+"/"+repo+":v1", name.Insecure)
	require.NoError(t, err)
	if single {
		require.NoError(t, remote.Write(ref, ocitest.Image(t, platforms[0])))
	} else {
		require.NoError(t, remote.WriteIndex(ref, ocitest.Index(t, types.OCIImageIndex, platforms...)))
	}
	return ref.String()
}

// x86TaskDefinitions writes the example's task definitions as X86_64 tasks
// whose images are images[service].
func x86TaskDefinitions(t *testing.T, images map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for svc, ref := range images {
		raw, err := os.ReadFile(filepath.Join(sandboxtest.TaskDefinitionsDir(), svc+".json"))
		require.NoError(t, err)
		var td map[string]any
		require.NoError(t, json.Unmarshal(raw, &td))
		td["runtimePlatform"].(map[string]any)["cpuArchitecture"] = "X86_64"
		for _, c := range td["containerDefinitions"].([]any) {
			c.(map[string]any)["image"] = ref
		}
		out, err := json.Marshal(td)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, svc+".json"), out, 0o644))
	}
	return dir
}

// TestRunReadsImagePlatformsFromTheRegistry runs the action on the example
// stack as X86_64 tasks whose images sit in the sandbox's registry: ARM64
// is recommended for every task when its images are multi-arch indexes
// listing linux/arm64 (with BuildKit's attestation entries); a single
// amd64 image or an amd64-only index blocks it, and an image the registry
// cannot give blocks it as "not enough data". The two runs give the
// saving with and without ARM64 (docs/cost.md).
func TestRunReadsImagePlatformsFromTheRegistry(t *testing.T) {
	const region = "eu-north-1"
	sb := sandboxtest.Start(t)
	ctx := context.Background()
	cfg := sandboxtest.Config(t, region)
	cw := cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(sb.Getenv)...)
	host := sb.RegistryHost
	multi := func(svc string) string {
		return pushImage(t, host, "multi/"+svc, false, amd64, attestation, arm64, attestation)
	}
	missing := host + "/missing/mcpo:v1"

	cases := []struct {
		project string
		images  map[string]string
		arm64   []string          // services that get the recommendation, by name
		notes   map[string]string // service: a note it must carry
	}{
		{project: "multi", images: map[string]string{"open-webui": multi("open-webui"), "bedrock-access-gateway": multi("bedrock-access-gateway"), "mcpo": multi("mcpo")},
			arm64: []string{"bedrock-access-gateway", "mcpo", "open-webui"}},
		{project: "single", images: map[string]string{
			"open-webui":             pushImage(t, host, "single/open-webui", true, amd64),
			"bedrock-access-gateway": pushImage(t, host, "single/bedrock-access-gateway", false, amd64, attestation),
			"mcpo":                   missing},
			notes: map[string]string{
				"open-webui":             "arm64: " + host + "/single/open-webui:v1 lists only linux/amd64",
				"bedrock-access-gateway": "arm64: " + host + "/single/bedrock-access-gateway:v1 lists only linux/amd64",
				"mcpo":                   "arm64: not enough data: the platforms of " + missing + " are not known (failed to read the manifest of " + missing,
			}},
	}
	figures := map[string]cost.Report{}
	for _, tc := range cases {
		t.Run(tc.project, func(t *testing.T) {
			st, err := sb.Seed(ctx, sandbox.SeedOptions{Project: tc.project, Region: region, Environment: "dev", DesiredCount: 1, TaskDefinitionsDir: x86TaskDefinitions(t, tc.images)})
			require.NoError(t, err)
			require.NoError(t, usagegen.Put(ctx, cw, usagegen.ExampleProfiles(st.Cluster, 1), now, 14, 1))
			r := runAction(t, map[string]string{
				"cluster": st.Cluster, "service": "open-webui, bedrock-access-gateway, mcpo", "environment": "dev", "report-file": "cost.json",
			}, sb.Getenv, optimize.Deps{AWSConfig: func(context.Context) (aws.Config, error) { return cfg, nil }})
			require.NoError(t, r.err, r.log)
			raw, err := os.ReadFile(filepath.Join(r.dir, "cost.json"))
			require.NoError(t, err)
			var rep cost.Report
			require.NoError(t, json.Unmarshal(raw, &rep))
			var got []string
			for _, s := range rep.Services {
				require.Equal(t, "ok", s.Data, s.Name)
				for _, rec := range s.Recommendations {
					if rec.Kind == cost.KindARM64 {
						got = append(got, s.Name)
					}
				}
				if want, ok := tc.notes[s.Name]; ok {
					require.True(t, hasPrefix(s.Notes, want), "%s notes %q, want one starting %q", s.Name, s.Notes, want)
				}
			}
			require.Equal(t, tc.arm64, got)
			figures[tc.project] = rep
			t.Logf("%s: $%.2f → $%.2f a month, saving %.1f %%", tc.project, rep.Monthly, rep.After, rep.SavingPercent)
		})
	}
	with, without := figures["multi"], figures["single"]
	require.Equal(t, with.Monthly, without.Monthly, "the same stack costs the same today")
	require.Less(t, with.After, without.After, "ARM64 on every service saves more")
	t.Logf("with ARM64: $%.2f → $%.2f (%.1f %%); without: $%.2f → $%.2f (%.1f %%)", with.Monthly, with.After, with.SavingPercent, without.Monthly, without.After, without.SavingPercent)
}

func hasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
