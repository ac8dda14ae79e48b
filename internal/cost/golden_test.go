package cost

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// pattern describes a series compactly: Values repeat, one per Period,
// over Days.
type pattern struct {
	Unit   Unit      `json:"unit"`
	Days   float64   `json:"days"`
	Period string    `json:"period"`
	Values []float64 `json:"values"`
}

func (p *pattern) series(t *testing.T) Series {
	if p == nil {
		return Series{}
	}
	period, err := time.ParseDuration(p.Period)
	require.NoError(t, err)
	n := int(p.Days * 24 * float64(time.Hour) / float64(period))
	s := Series{Unit: p.Unit, Period: period}
	for i := 0; i < n; i++ {
		s.Values = append(s.Values, p.Values[i%len(p.Values)])
	}
	return s
}

// goldenInput is a case's input: options over the defaults and services
// whose usage is given as patterns.
type goldenInput struct {
	Region string `json:"region"`
	// Terraform is a configuration directory (from the repository root)
	// whose environments/<environment>.tfvars give each service's
	// Terraform lines through Locate.
	Terraform string `json:"terraform"`
	Services  []struct {
		Service
		CPUUse    *pattern `json:"cpu_use"`
		MemoryUse *pattern `json:"memory_use"`
		TaskUse   *pattern `json:"task_use"`
	} `json:"services"`
}

// TestGoldenReports renders testdata/<case>.input.json as markdown and
// JSON and compares them with <case>.golden.md and <case>.golden.json.
func TestGoldenReports(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.input.json"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".input.json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(in)
			require.NoError(t, err)
			var gi goldenInput
			require.NoError(t, json.Unmarshal(raw, &gi))
			o := DefaultOptions()
			if gi.Region != "" {
				o.Region = gi.Region
			}
			var services []Service
			for _, s := range gi.Services {
				svc := s.Service
				svc.Usage = Usage{CPU: s.CPUUse.series(t), Memory: s.MemoryUse.series(t), Tasks: s.TaskUse.series(t)}
				if gi.Terraform != "" {
					svc.Terraform = locateIn(t, gi.Terraform, svc)
				}
				services = append(services, svc)
			}
			r, err := Analyse(services, o)
			require.NoError(t, err)
			js, err := r.JSON()
			require.NoError(t, err)
			compareGolden(t, filepath.Join("testdata", name+".golden.json"), js)
			compareGolden(t, filepath.Join("testdata", name+".golden.md"), []byte(r.Markdown()))
		})
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestGoldenReports -update to create it")
	require.Equal(t, string(want), string(got))
}

// locateIn is Locate for svc in the configuration dir of the repository
// with its environment's var-file, with paths from the repository root.
func locateIn(t *testing.T, dir string, svc Service) Sources {
	root := filepath.Join("..", "..")
	abs := filepath.Join(root, dir)
	tree, err := tfparse.Load([]string{abs}, tfparse.Options{VarFiles: []string{filepath.Join(abs, "environments", svc.Environment+".tfvars")}})
	require.NoError(t, err)
	src, ok := Locate(tree, svc.Name, os.ReadFile)
	require.True(t, ok, "no aws_ecs_service named %s in %s", svc.Name, dir)
	for f, at := range src {
		rel, err := filepath.Rel(root, at.File)
		require.NoError(t, err)
		at.File = filepath.ToSlash(rel)
		src[f] = at
	}
	return src
}
