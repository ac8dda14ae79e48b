package taskdef

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "render.json"))
	require.NoError(t, err)
	d, err := Parse(data)
	require.NoError(t, err)
	require.NoError(t, d.Apply(Render{
		Container:    "mcpo",
		Image:        "123456789012.dkr.ecr.us-east-1.amazonaws.com/mcpo@sha256:" + strings.Repeat("a", 64),
		Environment:  []KV{{"LOG_LEVEL", "debug"}, {"NEW", "1"}},
		Secrets:      []KV{{"API_KEY", "arn:aws:secretsmanager:us-east-1:123456789012:secret:mcpo-key"}},
		DockerLabels: []KV{{"com.example.commit", "abc123"}},
		Command:      []string{"mcpo", "--port", "80"},
		LogOptions:   []KV{{"awslogs-stream-prefix", "mcpo"}},
	}))
	require.NoError(t, d.Validate())
	got := d.JSON()
	golden := filepath.Join("testdata", "render.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
	for _, k := range ReadOnlyKeys {
		assert.NotContains(t, string(got), `"`+k+`"`, "read-only member must be stripped")
	}
	assert.Equal(t, []string{"containerDefinitions[0].futureContainerField", "someFutureTaskField"}, d.UnknownKeys())
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, doc, want string
	}{
		{"not json", `{"family": `, "not valid JSON"},
		{"array", `[1]`, "not a JSON object"},
		{"wrong type", `{"family":"a","containerDefinitions":"web"}`, "ECS schema"},
		{"two values", `{} {}`, "more than one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"ok", `{"family":"a","containerDefinitions":[{"name":"web","image":"nginx:1.27"}]}`, nil},
		{"missing family", `{"containerDefinitions":[{"name":"web","image":"nginx"}]}`, []string{"family: is required"}},
		{"no containers", `{"family":"a"}`, []string{"containerDefinitions: is required"}},
		{"no image", `{"family":"a","containerDefinitions":[{"name":"web"}]}`, []string{"containerDefinitions[0].image: is required"}},
		{"bad image", `{"family":"a","containerDefinitions":[{"name":"web","image":"Nginx:::1"}]}`, []string{"does not parse"}},
		{"dup name", `{"family":"a","containerDefinitions":[{"name":"w","image":"a"},{"name":"w","image":"b"}]}`, []string{"repeats the container name"}},
		{"fargate size", `{"family":"a","requiresCompatibilities":["FARGATE"],"networkMode":"awsvpc","cpu":"256","memory":"4096","containerDefinitions":[{"name":"w","image":"a"}]}`, []string{"does not fit Fargate cpu 256"}},
		{"fargate vcpu strings", `{"family":"a","requiresCompatibilities":["FARGATE"],"networkMode":"awsvpc","cpu":"0.5 vCPU","memory":"1 GB","containerDefinitions":[{"name":"w","image":"a"}]}`, nil},
		{"fargate bridge", `{"family":"a","requiresCompatibilities":["FARGATE"],"networkMode":"bridge","cpu":"256","memory":"512","containerDefinitions":[{"name":"w","image":"a"}]}`, []string{"requires awsvpc"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := Parse([]byte(tc.doc))
			require.NoError(t, err)
			err = d.Validate()
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestApplyUnknownContainer(t *testing.T) {
	t.Parallel()
	d, err := Parse([]byte(`{"family":"a","containerDefinitions":[{"name":"web","image":"nginx"}]}`))
	require.NoError(t, err)
	err = d.Apply(Render{Container: "api", Image: "nginx:2"})
	var te *Error
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "container-name", te.Field)
	assert.Contains(t, err.Error(), `"web"`)
	err = d.Apply(Render{Container: "web", Image: "bad image"})
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "image", te.Field)
	assert.Equal(t, "nginx", d.Images()["web"], "a failed render must not change the image")
}

func TestSameAsDescribed(t *testing.T) {
	t.Parallel()
	file := `{"family":"app","requiresCompatibilities":["FARGATE"],"networkMode":"awsvpc","cpu":"256","memory":"512",
	 "containerDefinitions":[{"name":"web","image":"nginx:1","portMappings":[{"containerPort":80}],"environment":[{"name":"B","value":"2"},{"name":"A","value":"1"}]}]}`
	d, err := Parse([]byte(file))
	require.NoError(t, err)
	// What ECS returns for that file: defaults filled, read-only members, empty lists.
	described := `{"taskDefinitionArn":"arn:aws:ecs:us-east-1:1:task-definition/app:3","revision":3,"status":"ACTIVE","family":"app",
	 "requiresCompatibilities":["FARGATE"],"compatibilities":["EC2","FARGATE"],"networkMode":"awsvpc","cpu":"256","memory":"512","volumes":[],"placementConstraints":[],
	 "containerDefinitions":[{"name":"web","image":"nginx:1","cpu":0,"essential":true,"portMappings":[{"containerPort":80,"hostPort":80,"protocol":"tcp"}],
	 "environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"mountPoints":[],"volumesFrom":[],"systemControls":[]}]}`
	dd, err := Parse([]byte(described))
	require.NoError(t, err)
	td, _, err := typedOf(dd.Map(), nil)
	require.NoError(t, err)
	assert.True(t, d.SameAs(td))
	require.NoError(t, d.Apply(Render{Container: "web", Image: "nginx:2"}))
	assert.False(t, d.SameAs(td), "a new image is a new revision")
}

func TestFromDescribedRoundTrip(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "render.json"))
	require.NoError(t, err)
	d, err := Parse(data)
	require.NoError(t, err)
	td, tags, err := typedOf(d.Map(), d.tags)
	require.NoError(t, err)
	back, err := FromDescribed(td, tags)
	require.NoError(t, err)
	assert.Equal(t, d.Images(), back.Images())
	assert.True(t, back.SameAs(td))
}

// TestRegisterOptionsSendsUnknownMembers drives the real SDK client against
// a recording server: members this SDK does not model reach the wire.
func TestRegisterOptionsSendsUnknownMembers(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		body = b
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"taskDefinition":{"taskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/mcpo:8","family":"mcpo","revision":8}}`))
	}))
	defer srv.Close()
	client := ecs.New(ecs.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
	})
	data, err := os.ReadFile(filepath.Join("testdata", "render.json"))
	require.NoError(t, err)
	d, err := Parse(data)
	require.NoError(t, err)
	in, err := d.Input()
	require.NoError(t, err)
	out, err := client.RegisterTaskDefinition(context.Background(), in, d.RegisterOptions()...)
	require.NoError(t, err)
	assert.Equal(t, int32(8), out.TaskDefinition.Revision)
	mu.Lock()
	defer mu.Unlock()
	var sent map[string]any
	require.NoError(t, json.NewDecoder(bytes.NewReader(body)).Decode(&sent))
	assert.Equal(t, map[string]any{"mode": "strict"}, sent["someFutureTaskField"])
	assert.Contains(t, string(body), `"futureContainerField":3`)
	assert.Contains(t, string(body), `"family":"mcpo"`)
	assert.NotContains(t, string(body), "taskDefinitionArn")
}

func TestUnknownKeysIgnoresZeroValues(t *testing.T) {
	t.Parallel()
	d, err := Parse([]byte(`{"family":"a","containerDefinitions":[{"name":"w","image":"a","cpu":0,"essential":false,"user":"","links":[]}]}`))
	require.NoError(t, err)
	assert.Empty(t, d.UnknownKeys(), "zero values of known members are not unknown")
	assert.Nil(t, d.RegisterOptions(), "without unknown members the SDK encodes the request itself")
}

func TestCheckImage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ref string
		ok  bool
	}{
		{"nginx", true},
		{"nginx:1.27-alpine", true},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/team/mcpo:1.0.0", true},
		{"127.0.0.1:5000/ecsflow/mcpo@sha256:" + strings.Repeat("ab", 32), true},
		{"ghcr.io/org/app:v1@sha256:" + strings.Repeat("0", 64), true},
		{"", false},
		{" nginx", false},
		{"nginx:", false},
		{"UPPER/case", false},
		{"nginx@sha256:short", false},
		{"a b", false},
	}
	for _, tc := range cases {
		err := CheckImage(tc.ref)
		assert.Equal(t, tc.ok, err == nil, "%q: %v", tc.ref, err)
	}
}

func TestApplyLogConfiguration(t *testing.T) {
	t.Parallel()
	d, err := Parse([]byte(`{"family":"a","containerDefinitions":[{"name":"w","image":"a","logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"g"}}}]}`))
	require.NoError(t, err)
	// options merge into the existing driver
	require.NoError(t, d.Apply(Render{Container: "w", LogOptions: []KV{{"awslogs-stream-prefix", "w"}}}))
	lc := d.container("w")["logConfiguration"].(map[string]any)
	assert.Equal(t, map[string]any{"awslogs-group": "g", "awslogs-stream-prefix": "w"}, lc["options"])
	// a new driver replaces the configuration
	require.NoError(t, d.Apply(Render{Container: "w", LogDriver: "awsfirelens", LogOptions: []KV{{"Name", "cloudwatch"}}}))
	lc = d.container("w")["logConfiguration"].(map[string]any)
	assert.Equal(t, map[string]any{"logDriver": "awsfirelens", "options": map[string]any{"Name": "cloudwatch"}}, lc)
	// options without any driver are refused
	d2, _ := Parse([]byte(`{"family":"a","containerDefinitions":[{"name":"w","image":"a"}]}`))
	var te *Error
	require.ErrorAs(t, d2.Apply(Render{Container: "w", LogOptions: []KV{{"k", "v"}}}), &te)
	assert.Equal(t, "log-configuration-options", te.Field)
}

// TestParseRefusesAHugeFileBeforeDecoding: a 50 MB document (valid JSON,
// one container with a huge environment) is refused by its size, with the
// limit in the message, and without being decoded.
//
// Not parallel: it counts the bytes the process allocates during Parse.
func TestParseRefusesAHugeFileBeforeDecoding(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"family":"web","containerDefinitions":[{"name":"web","image":"nginx:1","environment":[`)
	for i := 0; b.Len() < 50<<20; i++ {
		fmt.Fprintf(&b, `{"name":"V%d","value":"%0100d"},`, i, i)
	}
	b.WriteString(`{"name":"END","value":"x"}]}]}`)
	data := []byte(b.String())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Parse(data)
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	require.Contains(t, err.Error(), "at most 1048576 bytes")
	require.Contains(t, err.Error(), "64 KiB")
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "the document was decoded before being refused")
	_, err = Parse(data[:0:0])
	require.Error(t, err)
}
