package project

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// render shows what Parse read and found, for the goldens.
func render(c *Config, ps Problems) string {
	var b strings.Builder
	if c != nil {
		fmt.Fprintf(&b, "version: %d\n", c.Version)
		for _, i := range c.Images {
			fmt.Fprintf(&b, "image %s (line %d): context=%s dockerfile=%s repository=%s\n", i.Name, i.Pos.Line, i.Context, i.DockerfilePath(), i.RepositoryName())
		}
		for _, s := range c.Services {
			fmt.Fprintf(&b, "service %s (line %d): image=%s container=%s task-definition=%s", s.Name, s.Pos.Line, s.Image, s.ContainerName(), s.TaskDefinition)
			for _, env := range slices.Sorted(func(yield func(string) bool) {
				for k := range s.Strategy {
					if !yield(k) {
						return
					}
				}
			}) {
				fmt.Fprintf(&b, " strategy[%s]=%s", env, s.Strategy[env])
			}
			b.WriteString("\n")
		}
		for _, e := range c.Environments {
			fmt.Fprintf(&b, "environment %s (line %d): cluster=%s\n", e.Name, e.Pos.Line, e.Cluster)
		}
	}
	for _, p := range ps {
		fmt.Fprintf(&b, "problem %d:%d %s: %s\n", p.Line, p.Column, p.Kind, p.Message)
	}
	return b.String()
}

func TestParseGoldens(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/parse/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			c, ps := Parse(data)
			got := render(c, ps)
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), got)
		})
	}
}

func TestParseValidFilesHaveNoProblems(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"shop", "defaults"} {
		data, err := os.ReadFile(filepath.Join("testdata/parse", f+".yaml"))
		require.NoError(t, err)
		_, ps := Parse(data)
		assert.Empty(t, ps, f)
	}
}

func TestParseProblemKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		src  string
		kind Kind
		line int
		msg  string
	}{
		{"unknown top-level key", "version: 1\nservices: {}\nimagess: {}\n", KindUnknownKey, 3, `did you mean "images"`},
		{"unknown service key", "version: 1\nservices:\n  api:\n    image: a\n    task-definition: a.json\n    stratgy: rolling\nimages:\n  a: {context: a}\n", KindUnknownKey, 6, `did you mean "strategy"`},
		{"missing task definition", "version: 1\nimages: {a: {context: a}}\nservices:\n  api:\n    image: a\n", KindMissing, 5, "task-definition is required"},
		{"unknown image", "version: 1\nimages: {shop: {context: a}}\nservices:\n  api:\n    image: shp\n    task-definition: a.json\n", KindUnknownImage, 5, `did you mean "shop"`},
		{"strategy not ECS's", "version: 1\nimages: {a: {context: a}}\nservices:\n  api:\n    image: a\n    task-definition: a.json\n    strategy: recreate\n", KindStrategy, 7, "allowed: rolling, blue-green, canary, linear"},
		{"environment without cluster", "version: 1\nimages: {a: {context: a}}\nservices: {api: {image: a, task-definition: a.json}}\nenvironments:\n  dev: {}\n", KindEnvironment, 5, "environment dev has no cluster"},
		{"strategy for undeclared environment", "version: 1\nimages: {a: {context: a}}\nservices:\n  api:\n    image: a\n    task-definition: a.json\n    strategy: {prd: canary}\nenvironments: {prod: {cluster: c}}\n", KindEnvironment, 7, `"prd", which is not declared`},
		{"version 2", "version: 2\nservices: {}\n", KindSyntax, 1, "write version: 1"},
		{"version as string", "version: \"1\"\nservices: {}\n", KindSyntax, 1, "write version: 1"},
		{"path outside the repository", "version: 1\nimages: {a: {context: /abs}}\nservices: {}\n", KindSyntax, 2, "inside the repository"},
		{"not an ECR repository name", "version: 1\nimages: {a: {context: a, repository: A/B}}\nservices: {}\n", KindSyntax, 2, "not an ECR repository name"},
		{"reserved environment name", "version: 1\nservices: {}\nenvironments: {default: {cluster: c}}\n", KindSyntax, 3, "reserved"},
		{"not YAML", "version: 1\nservices: [\n", KindSyntax, 2, "is not YAML"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, ps := Parse([]byte(tc.src))
			require.NotEmpty(t, ps)
			var found []string
			for _, p := range ps {
				found = append(found, p.String())
				if p.Kind == tc.kind && p.Line == tc.line && strings.Contains(p.Message, tc.msg) {
					return
				}
			}
			t.Fatalf("no %s problem on line %d containing %q; got %q", tc.kind, tc.line, tc.msg, found)
		})
	}
}

func TestStrategyFor(t *testing.T) {
	t.Parallel()
	c, ps := Parse([]byte("version: 1\nimages: {a: {context: a}}\nservices:\n  api: {image: a, task-definition: a.json, strategy: {default: rolling, prod: blue-green}}\n  w: {image: a, task-definition: w.json}\n"))
	require.Empty(t, ps)
	assert.Equal(t, "blue-green", c.Service("api").StrategyFor("prod"))
	assert.Equal(t, "rolling", c.Service("api").StrategyFor("dev"))
	assert.Empty(t, c.Service("w").StrategyFor("dev"))
}
