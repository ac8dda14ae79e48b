package fleet_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/fleet"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
	"github.com/ecsflow/ecsflow/internal/testenv/usagegen"
	"github.com/ecsflow/ecsflow/internal/tfparse"
	"github.com/ecsflow/ecsflow/internal/utilisation"
)

func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

// TestExampleStackReport builds the cost report the way the optimize
// action is to: the example stack seeded in dev, staging and prod, 14
// days of generated usage in CloudWatch, what runs read from ECS and
// Application Auto Scaling, the Terraform lines from the example's
// configuration with each environment's var-file.
func TestExampleStackReport(t *testing.T) {
	const region = "eu-west-1"
	sb := sandboxtest.Start(t)
	ctx := context.Background()
	cfg := sandboxtest.Config(t, region)
	cw := cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(sb.Getenv)...)
	ecsc, scaling := ecs.NewFromConfig(cfg), aas.NewFromConfig(cfg)
	end := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	dir := filepath.Join("..", "..", "examples", "open-webui", "terraform")

	var services []cost.Service
	for env, tasks := range map[string]int32{"dev": 1, "staging": 2, "prod": 3} {
		st, err := sb.Seed(ctx, sandbox.SeedOptions{Region: region, Environment: env, DesiredCount: tasks, TaskDefinitionsDir: sandboxtest.TaskDefinitionsDir()})
		require.NoError(t, err)
		require.NoError(t, usagegen.Put(ctx, cw, usagegen.ExampleProfiles(st.Cluster, int(tasks)), end, 14, 1))
		got, err := fleet.Services(ctx, ecsc, scaling, st.Cluster, env, sandbox.ServiceNames)
		require.NoError(t, err)
		tree, err := tfparse.Load([]string{dir}, tfparse.Options{VarFiles: []string{filepath.Join(dir, "environments", env+".tfvars")}})
		require.NoError(t, err)
		for _, s := range got {
			s.Usage, err = utilisation.Read(ctx, cw, st.Cluster, s.Name, end, 14*24*time.Hour, time.Hour)
			require.NoError(t, err)
			var ok bool
			s.Terraform, ok = cost.Locate(tree, s.Name, os.ReadFile)
			require.True(t, ok, s.Name)
			services = append(services, s)
		}
	}
	o := cost.DefaultOptions()
	o.Region = region
	r, err := cost.Analyse(services, o)
	require.NoError(t, err)
	t.Logf("example stack: $%.2f → $%.2f a month, saving %.1f %%", r.Monthly, r.After, r.SavingPercent)
	require.GreaterOrEqual(t, r.SavingPercent, 15.0)
	require.Len(t, r.Services, 9)
	for _, s := range r.Services {
		require.Equal(t, "ok", s.Data, s.Name)
		for _, rec := range s.Recommendations {
			require.False(t, rec.Kind == cost.KindSpot && s.Environment == "prod", "Spot recommended in prod for %s", s.Name)
			require.NotEmpty(t, rec.Change.Diff+rec.Change.Note, "%s %s has no change to make", s.Name, rec.Kind)
		}
	}
}
