package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/exitcode"
)

const shopYAML = `version: 1
images:
  shop:
    context: app
    repository: shop/app
services:
  api:
    image: shop
    task-definition: deploy/ecs/api.json
    strategy: { default: rolling, prod: blue-green }
  worker:
    image: shop
    task-definition: deploy/ecs/worker.json
environments:
  dev:  { cluster: shop-dev }
  prod: { cluster: shop-prod }
`

func TestServicesMode(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(ws, "ecsflow.yaml"), []byte(shopYAML), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "conf"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(ws, "conf", "bad.yaml"), []byte("version: 1\nservices:\n  api: {image: shop, task-definition: a.json, stratgy: rolling}\n"), 0o644))
	cases := []struct {
		name    string
		args    []string
		stdin   string
		actions bool
		code    int
		out     []string
		errOut  string
	}{
		{name: "every service, one build, two deploys", args: []string{"--environment", "prod"},
			out: []string{`"services":["api","worker"]`, `"builds":[{"image":"shop","context":"app","dockerfile":"Dockerfile","repository":"shop/app","services":["api","worker"]}]`, `"cluster":"shop-prod"`, `"strategies":{"api":"blue-green","worker":""}`}},
		{name: "changed files on stdin", args: []string{"--environment", "dev", "--changed-files", "-"}, stdin: "deploy/ecs/worker.json\nREADME.md\n",
			out: []string{`"services":["worker"]`, `"cluster":"shop-dev"`, `"strategies":{"worker":""}`}},
		{name: "nothing changed", args: []string{"--changed-files", "-"}, stdin: "README.md\n",
			out: []string{`"services":[]`, `"builds":[]`, `"deploys":[]`}},
		{name: "services given", args: []string{"--services", `["api"]`, "--environment", "dev"},
			out: []string{`"services":["api"]`, `"strategy":"rolling"`}},
		{name: "file with problems: annotations on its lines", args: []string{"--config", "conf/bad.yaml"}, actions: true, code: exitcode.BadInput,
			errOut: "::error col=47,file=conf/bad.yaml,line=3,title=ecsflow.yaml::service api: unknown key \"stratgy\" (did you mean \"strategy\"?)"},
		{name: "file with problems outside Actions", args: []string{"--config", "conf/bad.yaml"}, code: exitcode.BadInput,
			errOut: "conf/bad.yaml:3:47: error: ecsflow.yaml: service api: unknown key \"stratgy\""},
		{name: "missing file", args: []string{"--config", "nope.yaml"}, code: exitcode.BadInput, errOut: "config nope.yaml does not exist"},
		{name: "undeclared environment", args: []string{"--environment", "staging"}, code: exitcode.BadInput, errOut: `environment "staging" is not declared under environments; declared: dev, prod`},
		{name: "services not JSON", args: []string{"--services", "api"}, code: exitcode.BadInput, errOut: "is not a JSON array of service names"},
		{name: "both selections", args: []string{"--services", `["api"]`, "--changed-files", "-"}, code: exitcode.BadInput, errOut: "not both"},
		{name: "unknown flag", args: []string{"--env", "dev"}, code: exitcode.BadInput, errOut: "flag provided but not defined: -env"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"GITHUB_WORKSPACE": ws}
			if tc.actions {
				env["GITHUB_ACTIONS"] = "true"
			}
			var out, errb strings.Builder
			code := Services(tc.args, strings.NewReader(tc.stdin), &out, &errb, func(k string) string { return env[k] })
			require.Equal(t, tc.code, code, "stderr: %s", errb.String())
			for _, o := range tc.out {
				assert.Contains(t, out.String(), o)
			}
			if tc.errOut != "" {
				assert.Contains(t, errb.String(), tc.errOut)
			} else {
				assert.Empty(t, errb.String())
			}
		})
	}
}

// validate checks ecsflow.yaml at the workspace root (or the file
// ecsflow-config names): each problem is an annotation on its line, under
// its rule; the files it names are looked for in the workspace.
func TestEcsflowYAMLIsChecked(t *testing.T) {
	t.Parallel()
	tf, err := os.ReadFile("testdata/ok/main.tf")
	require.NoError(t, err)
	bad := "version: 1\nimages:\n  shop: {context: app}\nservices:\n  api:\n    image: shp\n    task-definition: deploy/api.json\n    stratgy: rolling\n"
	cases := []struct {
		name   string
		file   string // where the config is written
		input  string // ecsflow-config
		want   []string
		absent bool
	}{
		{name: "ecsflow.yaml at the root", file: "ecsflow.yaml", want: []string{
			"line=6,title=EF823 ", `::service api: image "shp" is not declared under images (did you mean "shop"?)`,
			"line=7,title=EF824 ", "::service api: task-definition deploy/api.json does not exist",
			"line=8,title=EF822 ", `::service api: unknown key "stratgy" (did you mean "strategy"?)`,
		}},
		{name: "another path given", file: "conf/services.yaml", input: "conf/services.yaml", want: []string{"line=8,title=EF822 "}},
		{name: "no ecsflow.yaml: nothing to check", absent: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			for p, body := range map[string]string{"infra/main.tf": string(tf), "app/Dockerfile": "FROM scratch\n"} {
				require.NoError(t, os.MkdirAll(filepath.Join(ws, filepath.Dir(p)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(ws, p), []byte(body), 0o644))
			}
			if tc.file != "" {
				require.NoError(t, os.MkdirAll(filepath.Join(ws, filepath.Dir(tc.file)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(ws, tc.file), []byte(bad), 0o644))
			}
			env := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_PATH": "infra", "INPUT_FAIL-ON": "never", "INPUT_ECSFLOW-CONFIG": tc.input}
			r := invoke(t, Deps{Workspace: ws}, env)
			require.Equal(t, exitcode.OK, r.code, r.stderr+r.stdout)
			if tc.absent {
				assert.NotContains(t, r.stdout, "title=EF82")
				return
			}
			for _, w := range tc.want {
				assert.Contains(t, r.stdout, w)
			}
			assert.Contains(t, r.stdout, tc.file+",line=8,")
		})
	}
}
