package cost

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

func TestLocateExampleStack(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "examples", "open-webui", "terraform")
	vf := filepath.Join(dir, "environments", "prod.tfvars")
	tree, err := tfparse.Load([]string{dir}, tfparse.Options{VarFiles: []string{vf}})
	require.NoError(t, err)
	src, ok := Locate(tree, "mcpo", os.ReadFile)
	require.True(t, ok)
	at := func(file string, line int, text, attr string, shared bool) Setting {
		return Setting{File: filepath.Join(dir, file), Line: line, Text: text, Attr: attr, Shared: shared}
	}
	require.Equal(t, Sources{
		FieldServiceBlock: at("ecs.tf", 231, `resource "aws_ecs_service" "this" {`, "", true),
		FieldServiceEnd:   at("ecs.tf", 308, `}`, "", true),
		FieldDesiredCount: at("environments/prod.tfvars", 26, `  "mcpo"                   = { min_count = 2, max_count = 4 }`, "min_count", false),
		FieldLaunchType:   at("ecs.tf", 238, `  launch_type            = "FARGATE"`, "", true),
		FieldTaskBlock:    at("ecs.tf", 134, `resource "aws_ecs_task_definition" "this" {`, "", true),
		FieldCPU:          at("locals.tf", 31, `      cpu               = 512`, "cpu", true),
		FieldMemory:       at("locals.tf", 32, `      memory            = 1024`, "memory", true),
		FieldArchitecture: at("ecs.tf", 147, `    cpu_architecture        = "ARM64"`, "", true),
		FieldMinCapacity:  at("environments/prod.tfvars", 26, `  "mcpo"                   = { min_count = 2, max_count = 4 }`, "min_count", false),
	}, src)
	_, ok = Locate(tree, "no-such-service", os.ReadFile)
	require.False(t, ok)
}

func TestLocateFollowsVariablesAndLiterals(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "tf", "plain")
	tree, err := tfparse.Load([]string{dir}, tfparse.Options{})
	require.NoError(t, err)
	src, ok := Locate(tree, "api", os.ReadFile)
	require.True(t, ok)
	f := filepath.Join(dir, "main.tf")
	require.Equal(t, Setting{File: f, Line: 3, Text: "  default = 1024"}, src[FieldCPU])
	require.Equal(t, Setting{File: f, Line: 10, Text: `  memory                   = "2048"`}, src[FieldMemory])
	require.Equal(t, Setting{File: f, Line: 17, Text: "  desired_count   = 3"}, src[FieldDesiredCount])
	require.Equal(t, Setting{File: f, Line: 20, Text: `    capacity_provider = "FARGATE"`}, src[FieldProvider])
	require.NotContains(t, src, FieldLaunchType)
	require.NotContains(t, src, FieldMinCapacity)

	// The diffs the engine draws from these lines.
	e, ok := setValue(src[FieldCPU], "512", sameUnits(1024, func(s string) (int, bool) { return map[string]int{"1024": 1024}[s], s == "1024" }))
	require.True(t, ok)
	require.Equal(t, []string{"  default = 512"}, e.lines)
}
