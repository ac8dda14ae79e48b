package optimize_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/optimize"
	"github.com/ecsflow/ecsflow/internal/testenv/ghstub"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/usagegen"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

var spec = func() *actionspec.Spec {
	data, err := os.ReadFile("../../actions/optimize/action.yml")
	if err != nil {
		panic(err)
	}
	return actionspec.MustParse(data)
}()

// now is the run's clock: the end of the generated usage.
var now = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

type result struct {
	err     error
	log     string
	outputs map[string]string
	summary string
	dir     string
}

// runAction drives the action as the runner does: INPUT_* variables,
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the workspace in a temporary
// directory; getenv adds variables such as the sandbox's endpoint.
func runAction(t *testing.T, in map[string]string, getenv func(string) string, deps optimize.Deps) result {
	t.Helper()
	return runIn(t, t.TempDir(), in, getenv, deps)
}

// runIn is runAction in the workspace dir.
func runIn(t *testing.T, dir string, in map[string]string, getenv func(string) string, deps optimize.Deps) result {
	t.Helper()
	vars := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_WORKSPACE":    dir,
		"RUNNER_TEMP":         dir,
	}
	for k, v := range in {
		vars[inputs.EnvName(k)] = v
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	get := func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		if getenv != nil {
			return getenv(k)
		}
		return ""
	}
	var buf bytes.Buffer
	env := &cli.Env{Inputs: inputs.New(spec, nil, lookup), Console: gha.New(&buf, get), Getenv: get, Now: func() time.Time { return now }, Stdout: &buf}
	err := optimize.Run(context.Background(), env, deps)
	env.Console.Flush()
	sum, _ := os.ReadFile(vars["GITHUB_STEP_SUMMARY"])
	return result{err: err, log: buf.String(), outputs: env.Console.Outputs(), summary: string(sum), dir: dir}
}

// exampleStack is the example's Terraform root, copied into the workspace
// as infra/.
const exampleStack = "../../examples/open-webui/terraform"

var update = flag.Bool("update", false, "rewrite the golden files")

// compareGolden compares got with the golden file at path (rewritten with
// -update).
func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestRunOnExampleStack -update to create it")
	require.Equal(t, string(want), got)
}

// TestRunOnExampleStack runs the action on the example stack seeded in the
// sandbox with 14 days of generated usage, in dev and in prod, and checks
// the outputs against the JSON report, the summary (a golden file: each
// recommendation's diff points at the copied Terraform root), and the production
// rules (no Spot, no schedule, at least 2 tasks).
func TestRunOnExampleStack(t *testing.T) {
	const region = "eu-west-3"
	sb := sandboxtest.Start(t)
	ctx := context.Background()
	cfg := sandboxtest.Config(t, region)
	cw := cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(sb.Getenv)...)
	deps := optimize.Deps{AWSConfig: func(context.Context) (aws.Config, error) { return cfg, nil }}

	for _, tc := range []struct {
		env   string
		tasks int32
	}{{"dev", 1}, {"prod", 3}} {
		t.Run(tc.env, func(t *testing.T) {
			st, err := sb.Seed(ctx, sandbox.SeedOptions{Region: region, Environment: tc.env, DesiredCount: tc.tasks, TaskDefinitionsDir: sandboxtest.TaskDefinitionsDir()})
			require.NoError(t, err)
			require.NoError(t, usagegen.Put(ctx, cw, usagegen.ExampleProfiles(st.Cluster, int(tc.tasks)), now, 14, 1))

			dir := t.TempDir()
			require.NoError(t, os.CopyFS(filepath.Join(dir, "infra"), os.DirFS(exampleStack)))
			gh := ghstub.New(t)
			deps := deps
			deps.GitHubAPI = gh.URL
			getenv := func(k string) string {
				if k == "GITHUB_REPOSITORY" {
					return "o/r"
				}
				return sb.Getenv(k)
			}
			r := runIn(t, dir, map[string]string{
				"cluster": st.Cluster, "service": "open-webui, bedrock-access-gateway, mcpo", "environment": tc.env,
				"report-file": "reports/cost.json",
				"path":        "infra", "var-files": "infra/environments/" + tc.env + ".tfvars",
				"issue": "true", "github-token": gh.Token,
			}, getenv, deps)
			require.NoError(t, r.err, r.log)
			compareGolden(t, filepath.Join("testdata", "example-"+tc.env+".golden.md"), r.summary)
			require.Equal(t, "1", r.outputs["issue-number"])
			issues := gh.WithLabel(optimize.IssueLabel)
			require.Len(t, issues, 1)
			require.Contains(t, issues[0].Body, r.summary, "the issue carries the summary")

			require.Equal(t, "reports/cost.json", r.outputs["report-json"])
			raw, err := os.ReadFile(filepath.Join(r.dir, "reports", "cost.json"))
			require.NoError(t, err)
			var rep cost.Report
			require.NoError(t, json.Unmarshal(raw, &rep))
			require.Equal(t, region, rep.Region)
			require.Len(t, rep.Services, 3)

			pct, err := strconv.ParseFloat(r.outputs["saving-percent"], 64)
			require.NoError(t, err)
			require.InDelta(t, rep.SavingPercent, pct, 0.05)
			require.GreaterOrEqual(t, pct, 15.0, "the example stack is oversized in every environment")
			saving, err := strconv.ParseFloat(r.outputs["monthly-saving"], 64)
			require.NoError(t, err)
			require.InDelta(t, rep.Saving, saving, 0.005)
			require.InDelta(t, rep.Monthly-rep.After, rep.Saving, 0.02)

			t.Logf("%s: $%.2f → $%.2f a month, saving %s %%", tc.env, rep.Monthly, rep.After, r.outputs["saving-percent"])
			require.Contains(t, r.summary, "## Cost optimisation: save $"+r.outputs["monthly-saving"]+" a month ("+r.outputs["saving-percent"]+" %)")
			kinds := map[cost.Kind]int{}
			for _, s := range rep.Services {
				require.Equal(t, "ok", s.Data, s.Name)
				require.Contains(t, r.summary, "| "+s.Name+" | "+tc.env+" |")
				for _, rec := range s.Recommendations {
					kinds[rec.Kind]++
					if rec.Kind == cost.KindCount {
						require.GreaterOrEqual(t, rec.Tasks, map[string]int{"dev": 1, "prod": 2}[tc.env], s.Name)
					}
				}
			}
			if tc.env == "prod" {
				require.Zero(t, kinds[cost.KindSpot], "no Spot in production")
				require.Zero(t, kinds[cost.KindSchedule], "no scale-to-zero in production")
			} else {
				require.Equal(t, 3, kinds[cost.KindSpot], "every dev service can run on Spot")
				require.Equal(t, 3, kinds[cost.KindSchedule], "dev is scaled to zero outside working hours")
			}
		})
	}
}
