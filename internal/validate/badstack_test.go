package validate

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const exampleRoot = "../../examples/open-webui/terraform"

// plantedEdits turn the example stack into testdata/badstack: each edit
// plants one defect (testdata/badstack/PLANTED lists the rules that must
// report). Files without edits are symbolic links to the example, so the
// bad copy is always the example of today plus these defects.
var plantedEdits = map[string][][2]string{
	"alb.tf": {
		{"drop_invalid_header_fields = true", "drop_invalid_header_fields = false"},
		{`ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"`, `ssl_policy        = "ELBSecurityPolicy-2016-08"`},
	},
	"ecr.tf": {
		{`image_tag_mutability = "IMMUTABLE"`, `image_tag_mutability = "MUTABLE"`},
	},
	"ecs.tf": {
		{"    rollback = true\n", "    rollback = false\n"},
		{"ignore_changes = [task_definition, desired_count]", "ignore_changes = [task_definition]"},
	},
	"outputs.tf": {
		{`  description = "ECS cluster name`, `  description =   "ECS cluster name`},
	},
	"versions.tf": {
		{"    encrypt        = true\n", "    encrypt        = false\n"},
	},
}

// TestBadStackIsTheExampleWithPlantedDefects fails when the bad copy and
// the example part ways; `go test ./internal/validate -update` rewrites the
// edited files from the example (then review the report goldens too).
func TestBadStackIsTheExampleWithPlantedDefects(t *testing.T) {
	entries, err := os.ReadDir(exampleRoot)
	require.NoError(t, err)
	for _, e := range entries {
		name := e.Name()
		bad := filepath.Join("testdata/badstack", name)
		edits, planted := plantedEdits[name]
		if !planted {
			target, err := os.Readlink(bad)
			require.NoError(t, err, "%s: a file without planted defects is a link to the example", bad)
			assert.Equal(t, filepath.Join("../../../../examples/open-webui/terraform", name), target)
			continue
		}
		src, err := os.ReadFile(filepath.Join(exampleRoot, name))
		require.NoError(t, err)
		want := string(src)
		for _, ed := range edits {
			require.Equal(t, 1, strings.Count(want, ed[0]), "%s: the example must hold %q exactly once to plant a defect there", name, ed[0])
			want = strings.Replace(want, ed[0], ed[1], 1)
		}
		if *update {
			require.NoError(t, os.WriteFile(bad, []byte(want), 0o644))
			continue
		}
		got, err := os.ReadFile(bad)
		require.NoError(t, err)
		assert.Equal(t, want, string(got), "%s is not the example with its planted defects; run go test ./internal/validate -update", bad)
	}
	names := make([]string, 0, len(plantedEdits))
	for n := range plantedEdits {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		_, err := os.Stat(filepath.Join(exampleRoot, n))
		require.NoError(t, err, "planted edits name %s, which the example no longer has", n)
	}
}
