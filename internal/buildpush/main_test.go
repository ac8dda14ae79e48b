package buildpush

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/authn"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/ecr"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// The ECR API comes from the shared local sandbox (moto behind the
// sandbox's front proxy), one per test binary.
func TestMain(m *testing.M) { os.Exit(sandboxtest.Main(m)) }

// ecrClient returns an ECR client on the sandbox in region (tests isolate
// themselves by region: moto keeps ECR state per region).
func ecrClient(t testing.TB, region string) *awsecr.Client {
	t.Helper()
	return awsecr.NewFromConfig(sandboxtest.Config(t, region))
}

// newRegistry starts an in-process OCI registry and returns its host.
func newRegistry(t testing.TB, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

var specOnce = sync.OnceValues(func() ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "..", "actions", "build-push", "action.yml"))
})

// run is one action run through the real command-line entry point.
type run struct {
	code   int
	stdout string
	stderr string
	res    *Result
	out    map[string]string
}

const testSHA = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"

// runAction runs build-push with inputs given as flags plus the GitHub
// variables a push to main would set.
func runAction(t testing.TB, deps Deps, env map[string]string, args ...string) run {
	t.Helper()
	spec, err := specOnce()
	if err != nil {
		t.Fatal(err)
	}
	if deps.Keychain == nil {
		deps.Keychain = authn.NewMultiKeychain() // anonymous; never the host's docker config
	}
	vars := map[string]string{"GITHUB_SHA": testSHA, "GITHUB_REF": "refs/heads/main"}
	for k, v := range env {
		vars[k] = v
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	var res *Result
	var outputs map[string]string
	cmd := cli.Command{Spec: spec, Run: func(ctx context.Context, e *cli.Env) error {
		var err error
		res, err = RunWith(ctx, e, deps)
		outputs = e.Console.Outputs()
		return err
	}}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code := cli.Run(ctx, cmd, args, &stdout, &stderr, lookup)
	return run{code: code, stdout: stdout.String(), stderr: stderr.String(), res: res, out: outputs}
}

// fixture copies testdata/app into a fresh directory (outside any git
// repository) and returns it.
func fixture(t testing.TB) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "app")
	err := filepath.Walk("testdata/app", func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/app", p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func ecrDeps(t testing.TB, region string) Deps {
	api := ecrClient(t, region)
	return Deps{
		ECR:       func(context.Context, *cli.Env) (ecr.API, error) { return api, nil },
		ScanClock: &fakeClock{now: time.Unix(1_700_000_000, 0)},
		ScanPoll:  time.Second,
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}
