package cost

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/planjson"
)

func TestSetValue(t *testing.T) {
	t.Parallel()
	cpu1024 := sameUnits(1024, planjson.ParseCPU)
	cases := []struct {
		name string
		at   Setting
		v    string
		want string // "" when no edit
	}{
		{"bare number", Setting{Text: "  cpu = 1024"}, "256", "  cpu = 256"},
		{"quoted keeps quotes", Setting{Text: `  cpu    = "1024"`}, "256", `  cpu    = "256"`},
		{"vCPU form", Setting{Text: `  cpu = "1 vCPU" # one`}, "256", `  cpu = "256" # one`},
		{"trailing comment kept", Setting{Text: "  cpu = 1024 // big"}, "512", "  cpu = 512 // big"},
		{"a variable is not a literal", Setting{Text: "  cpu = var.cpu"}, "256", ""},
		{"a function call is not a literal", Setting{Text: "  cpu = tostring(each.value.cpu)"}, "256", ""},
		{"another value is not this one", Setting{Text: "  cpu = 2048"}, "256", ""},
		{"attribute inside a one-line object", Setting{Text: `  "web" = { cpu = 1024, memory = 2048 }`, Attr: "cpu"}, "512", `  "web" = { cpu = 512, memory = 2048 }`},
		{"attribute not on the line", Setting{Text: `  "web" = { memory = 1024 }`, Attr: "cpu"}, "512", ""},
		{"no equals sign", Setting{Text: "  1024"}, "512", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, ok := setValue(tc.at, tc.v, cpu1024)
			if tc.want == "" {
				require.False(t, ok)
				return
			}
			require.True(t, ok)
			require.Equal(t, []string{tc.want}, e.lines)
		})
	}
}

func TestDiffShiftsLaterHunks(t *testing.T) {
	t.Parallel()
	got := diff([]edit{
		{at: Setting{File: "b.tf", Line: 9, Text: "  x = 1"}, replace: true, lines: []string{"  x = 2"}},
		{at: Setting{File: "b.tf", Line: 3, Text: "r {"}, lines: []string{"  y = 1", "  z = 1"}},
		{at: Setting{File: "a.tf", Line: 1, Text: "a = 1"}, replace: true, lines: []string{"a = 2"}},
	})
	require.Equal(t, `--- a/a.tf
+++ b/a.tf
@@ -1,1 +1,1 @@
-a = 1
+a = 2
--- a/b.tf
+++ b/b.tf
@@ -3,1 +3,3 @@
 r {
+  y = 1
+  z = 1
@@ -9,1 +11,1 @@
-  x = 1
+  x = 2
`, got)
}
