package project

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseFile(t *testing.T, name string) *Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/parse", name))
	require.NoError(t, err)
	c, ps := Parse(data)
	require.Empty(t, ps)
	return c
}

// TestPlanTwoServicesOneImage: api and worker run the shop image, so a
// deployment of both builds one image and deploys two services.
func TestPlanTwoServicesOneImage(t *testing.T) {
	t.Parallel()
	c := parseFile(t, "shop.yaml")
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			p, err := c.Plan([]string{"api", "worker"}, env)
			require.NoError(t, err)
			require.Len(t, p.Builds, 1)
			require.Len(t, p.Deploys, 2)
			got, err := json.MarshalIndent(p, "", "  ")
			require.NoError(t, err)
			golden := filepath.Join("testdata/plan", "shop-"+env+".golden.json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(got))
		})
	}
}

func TestPlanRefuses(t *testing.T) {
	t.Parallel()
	shop := parseFile(t, "shop.yaml")
	clash, ps := Parse([]byte("version: 1\nimages: {a: {context: a}, b: {context: b}}\nservices:\n  one: {image: a, container: app, task-definition: one.json}\n  two: {image: b, container: app, task-definition: two.json}\n"))
	require.Empty(t, ps)
	cases := []struct {
		name     string
		c        *Config
		services []string
		env      string
		want     string
	}{
		{"undeclared environment", shop, []string{"api"}, "staging", `environment "staging" is not declared under environments; declared: dev, prod`},
		{"undeclared service", shop, []string{"web"}, "dev", `service "web" is not declared under services; declared: api, worker`},
		{"one container, two images", clash, []string{"one", "two"}, "", "give container app two images (a and b)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.c.Plan(tc.services, tc.env)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestPlanWithoutEnvironmentsTakesAnyEnvironment(t *testing.T) {
	t.Parallel()
	p, err := parseFile(t, "defaults.yaml").Plan([]string{"web"}, "dev")
	require.NoError(t, err)
	assert.Empty(t, p.Cluster, "the workflow's cluster input decides")
	assert.Equal(t, map[string]string{"web": "canary"}, p.Strategies)
	assert.Equal(t, "Dockerfile", p.Builds[0].Dockerfile, "relative to the context src/web")
}

func TestPlanDockerfileRelativeToContext(t *testing.T) {
	t.Parallel()
	cases := []struct{ context, dockerfile, want string }{
		{"app", "", "Dockerfile"},
		{"app", "app/docker/prod.Dockerfile", "docker/prod.Dockerfile"},
		{".", "build/Dockerfile", "build/Dockerfile"},
		{"src/app", "docker/app.Dockerfile", "../../docker/app.Dockerfile"},
	}
	for _, tc := range cases {
		c := &Config{Images: []*Image{{Name: "i", Context: tc.context, Dockerfile: tc.dockerfile}}, Services: []*Service{{Name: "s", Image: "i", TaskDefinition: "s.json"}}}
		p, err := c.Plan([]string{"s"}, "")
		require.NoError(t, err)
		assert.Equal(t, tc.want, p.Builds[0].Dockerfile, "%+v", tc)
	}
}

func TestChanged(t *testing.T) {
	t.Parallel()
	c, ps := Parse([]byte(`version: 1
images:
  shop: {context: app, dockerfile: docker/shop.Dockerfile}
  admin: {context: admin}
services:
  api: {image: shop, task-definition: deploy/ecs/api.json}
  worker: {image: shop, task-definition: deploy/ecs/worker.json}
  admin: {image: admin, task-definition: deploy/ecs/admin.json}
`))
	require.Empty(t, ps)
	cases := []struct {
		name  string
		files []string
		want  []string
	}{
		{"a file of the shared context", []string{"app/main.go"}, []string{"api", "worker"}},
		{"the Dockerfile outside the context", []string{"docker/shop.Dockerfile"}, []string{"api", "worker"}},
		{"one task definition", []string{"deploy/ecs/worker.json"}, []string{"worker"}},
		{"a sibling whose name starts like the context", []string{"application/x"}, nil},
		{"nothing relevant", []string{"README.md", "terraform/main.tf"}, nil},
		{"./ prefix", []string{"./admin/Dockerfile"}, []string{"admin"}},
		{"several", []string{"deploy/ecs/admin.json", "app/go.mod"}, []string{"api", "worker", "admin"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, c.Changed(tc.files))
		})
	}
}
