package optimize_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/optimize"
)

func parse(t *testing.T, in map[string]string, workspace string) (*optimize.Config, error) {
	t.Helper()
	vars := map[string]string{"GITHUB_WORKSPACE": workspace, "RUNNER_TEMP": workspace}
	base := map[string]string{"cluster": "c", "service": "web", "environment": "dev"}
	maps.Copy(base, in)
	for k, v := range base {
		vars[inputs.EnvName(k)] = v
	}
	return optimize.ParseConfig(inputs.New(spec, nil, func(k string) (string, bool) { v, ok := vars[k]; return v, ok }), func(k string) string { return vars[k] })
}

func TestParseConfigReadsTheInputs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    map[string]string
		check func(t *testing.T, c *optimize.Config)
	}{
		{"defaults", nil, func(t *testing.T, c *optimize.Config) {
			want := cost.DefaultOptions()
			require.Equal(t, want.Lookback, c.Options.Lookback)
			require.InDelta(t, want.Headroom, c.Options.Headroom, 1e-9)
			require.Equal(t, want.WorkingHours, c.Options.WorkingHours)
			require.Equal(t, want.ScaleToZero, c.Options.ScaleToZero)
			require.Equal(t, want.Production, c.Options.Production)
			require.Equal(t, "optimize.json", c.ReportFile)
			require.Equal(t, []string{"web"}, c.Services)
		}},
		{"lookback in days", map[string]string{"lookback": "30d"}, func(t *testing.T, c *optimize.Config) {
			require.Equal(t, 30*24*time.Hour, c.Options.Lookback)
		}},
		{"lookback as a duration", map[string]string{"lookback": "72h"}, func(t *testing.T, c *optimize.Config) {
			require.Equal(t, 72*time.Hour, c.Options.Lookback)
		}},
		{"headroom with a percent sign", map[string]string{"headroom": "85%"}, func(t *testing.T, c *optimize.Config) {
			require.InDelta(t, 0.85, c.Options.Headroom, 1e-9)
		}},
		{"working hours without minutes, Monday to Saturday, Berlin", map[string]string{"working-hours": "7-19 Mon-Sat Europe/Berlin"}, func(t *testing.T, c *optimize.Config) {
			require.Equal(t, cost.WorkingHours{Start: 7, End: 19, Weekdays: 6, TimeZone: "Europe/Berlin"}, c.Options.WorkingHours)
		}},
		{"no scale-to-zero environment", map[string]string{"scale-to-zero-environments": "none"}, func(t *testing.T, c *optimize.Config) {
			require.Empty(t, c.Options.ScaleToZero)
		}},
		{"terraform root and var files from the workspace", map[string]string{"path": ".", "var-files": "prod.tfvars"}, func(t *testing.T, c *optimize.Config) {
			require.Equal(t, c.Terraform.Workspace, c.Terraform.Root)
			require.Equal(t, []string{filepath.Join(c.Terraform.Workspace, "prod.tfvars")}, c.Terraform.VarFiles)
		}},
		{"no terraform root", nil, func(t *testing.T, c *optimize.Config) {
			require.Empty(t, c.Terraform.Root)
		}},
		{"environment lists", map[string]string{"production-environments": "live\nprod-eu", "scale-to-zero-environments": "dev, qa"}, func(t *testing.T, c *optimize.Config) {
			require.Equal(t, []string{"live", "prod-eu"}, c.Options.Production)
			require.Equal(t, []string{"dev", "qa"}, c.Options.ScaleToZero)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(ws, "prod.tfvars"), []byte("x = 1\n"), 0o644))
			c, err := parse(t, tc.in, ws)
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestParseConfigNamesTheBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, input, want string
		in                map[string]string
	}{
		{"lookback in weeks", "lookback", "write days like 14d", map[string]string{"lookback": "2w"}},
		{"lookback under a day", "lookback", "out of range", map[string]string{"lookback": "12h"}},
		{"lookback past CloudWatch's hourly retention", "lookback", "1d to 455d", map[string]string{"lookback": "500d"}},
		{"lookback with a huge day count", "lookback", "out of range", map[string]string{"lookback": "99999999999999999999d"}},
		{"headroom not a number", "headroom", "percentage from 1 to 100", map[string]string{"headroom": "NaN"}},
		{"headroom above 100", "headroom", "percentage from 1 to 100", map[string]string{"headroom": "100.5"}},
		{"working hours backwards", "working-hours", "before the end", map[string]string{"working-hours": "18:00-09:00 Mon-Fri UTC"}},
		{"working hours to midnight", "working-hours", "at most 23:00", map[string]string{"working-hours": "08:00-24:00 Mon-Fri UTC"}},
		{"working hours with the local zone", "working-hours", "IANA time zone", map[string]string{"working-hours": "08:00-20:00 Mon-Fri Local"}},
		{"working hours not from Monday", "working-hours", "08:00-20:00 Mon-Fri UTC", map[string]string{"working-hours": "08:00-20:00 Tue-Fri UTC"}},
		{"production environment with a space", "production-environments", "environment name", map[string]string{"production-environments": "prod, live site"}},
		{"report file outside the workspace", "report-file", "workspace", map[string]string{"report-file": "../cost.json"}},
		{"report file a directory", "report-file", "is a directory", map[string]string{"report-file": "."}},
		{"path not a directory", "path", "is not a directory", map[string]string{"path": "main.tf"}},
		{"var-files without path", "var-files", "needs `path`", map[string]string{"var-files": "prod.tfvars"}},
		{"var-files missing", "var-files", "does not exist", map[string]string{"path": ".", "var-files": "nope.tfvars"}},
		{"environment missing", "environment", "required", map[string]string{"environment": ""}},
		{"region misspelt", "aws-region", "region name", map[string]string{"aws-region": "eu_west_1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(t, tc.in, t.TempDir())
			var ie *inputs.Error
			require.True(t, errors.As(err, &ie), "want an input error, got %v", err)
			require.Equal(t, tc.input, ie.Input)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}
