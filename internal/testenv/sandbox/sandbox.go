package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ecsflow/ecsflow/internal/testenv/forecastsim"
)

// Defaults of the sandbox: moto's fixed account, the credentials it accepts
// and the region the example stack lives in.
const (
	AccountID       = "123456789012"
	DefaultRegion   = "us-east-1"
	AccessKeyID     = "test"
	SecretAccessKey = "test"
)

// ECSTargetPrefix is the X-Amz-Target prefix of every ECS API call; the
// front proxy sends these to the ECS handler.
const ECSTargetPrefix = "AmazonEC2ContainerServiceV20141113."

// Registry kinds reported by Sandbox.RegistryKind.
const (
	// RegistryDistribution is the CNCF distribution registry binary
	// (Debian package docker-registry).
	RegistryDistribution = "docker-registry"
	// RegistryInProcess is go-containerregistry's in-memory registry,
	// used when the docker-registry binary is absent.
	RegistryInProcess = "in-process"
)

// ErrMotoMissing is returned by Start when moto_server is not installed.
var ErrMotoMissing = errors.New("moto_server is not installed; install it with: pip install 'moto[server]'")

// Options configure Start. The zero value is a working sandbox.
type Options struct {
	// Region is the default region of Env and AWSConfig (default us-east-1).
	Region string
	// ECS replaces the route for ECS API calls. It gets the handler that
	// forwards to moto (for the calls it does not handle) and returns the
	// handler for every request whose X-Amz-Target starts with
	// ECSTargetPrefix. Nil means the ECS rollout simulator (package ecssim),
	// one per region, running ECSSpeed times faster than real time.
	ECS func(fallback http.Handler) http.Handler
	// ECSSpeed is the simulator's speed-up over real time (default
	// DefaultECSSpeed).
	ECSSpeed float64
	// NoECSSimulator sends ECS calls straight to moto (tests of moto's own
	// behaviour).
	NoECSSimulator bool
	// Dir holds the registry's storage, the config and the child logs.
	// Empty means a new temporary directory, removed by Stop.
	Dir string
	// MotoBinary overrides the moto_server executable (default: PATH).
	MotoBinary string
	// RegistryBinary overrides the docker-registry executable (default:
	// PATH). Set it to "-" to force the in-process registry.
	RegistryBinary string
	// Port is the front proxy's port (the AWS endpoint); 0 picks a free one.
	Port int
	// RegistryPort is the registry's port; 0 picks a free one.
	RegistryPort int
	// Log receives the children's output (default: a file in Dir only).
	Log io.Writer
	// StartTimeout bounds the wait for each part to answer (default 30s).
	StartTimeout time.Duration
}

// Sandbox is a running local stand-in for AWS.
type Sandbox struct {
	// Endpoint is the front proxy's URL: the value of AWS_ENDPOINT_URL.
	Endpoint string
	// MotoURL is moto's own URL (behind the proxy); tests rarely need it.
	MotoURL string
	// RegistryHost is host:port of the OCI registry (plain HTTP).
	RegistryHost string
	// RegistryKind says which registry runs: RegistryDistribution or
	// RegistryInProcess.
	RegistryKind string
	// Region is the default region.
	Region string
	// Dir is the working directory of the sandbox (logs, registry storage).
	Dir string
	// ECSSimulated reports whether ECS calls go to a simulator rather than
	// straight to moto.
	ECSSimulated bool

	ownDir    bool
	mu        sync.Mutex // guards procs and servers while parts start in parallel
	procs     []*proc
	servers   []*http.Server
	stopOnce  sync.Once
	stopErr   error
	calls     *callLog
	ecs       *ecsRouter
	forecasts *forecastsim.Store
}

type proc struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	logf   string
}

// Start starts moto, the registry and the front proxy and waits until all
// of them answer. On error everything already started is stopped.
func Start(ctx context.Context, o Options) (_ *Sandbox, err error) {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 30 * time.Second
	}
	motoBin := o.MotoBinary
	if motoBin == "" {
		motoBin = "moto_server"
	}
	if _, lookErr := exec.LookPath(motoBin); lookErr != nil {
		return nil, ErrMotoMissing
	}
	s := &Sandbox{Region: o.Region, Dir: o.Dir, calls: newCallLog(), forecasts: forecastsim.New()}
	if s.Dir == "" {
		d, mkErr := os.MkdirTemp("", "ecsflow-sandbox-")
		if mkErr != nil {
			return nil, fmt.Errorf("failed to create the sandbox directory: %w", mkErr)
		}
		s.Dir, s.ownDir = d, true
	} else {
		abs, absErr := filepath.Abs(s.Dir)
		if absErr != nil {
			return nil, fmt.Errorf("failed to resolve the sandbox directory %s: %w", s.Dir, absErr)
		}
		s.Dir = abs
		if mkErr := os.MkdirAll(s.Dir, 0o755); mkErr != nil {
			return nil, fmt.Errorf("failed to create the sandbox directory %s: %w", s.Dir, mkErr)
		}
	}
	defer func() {
		if err != nil {
			_ = s.Stop()
		}
	}()

	// moto and the registry start in parallel; moto dominates (about 0.5 s).
	var wg sync.WaitGroup
	var motoErr, regErr error
	wg.Add(2)
	go func() { defer wg.Done(); motoErr = s.startMoto(ctx, o, motoBin) }()
	go func() { defer wg.Done(); regErr = s.startRegistry(ctx, o) }()
	wg.Wait()
	if err := errors.Join(motoErr, regErr); err != nil {
		return nil, err
	}
	if err := s.startProxy(o); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sandbox) startMoto(ctx context.Context, o Options, bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	p, err := s.spawn("moto", o.Log, bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if err != nil {
		return err
	}
	s.MotoURL = "http://127.0.0.1:" + strconv.Itoa(port)
	return s.waitReady(ctx, p, o.StartTimeout, s.MotoURL+"/moto-api/")
}

func (s *Sandbox) spawn(name string, logw io.Writer, bin string, args ...string) (*proc, error) {
	logf := filepath.Join(s.Dir, name+".log")
	f, err := os.Create(logf)
	if err != nil {
		return nil, fmt.Errorf("failed to create %s: %w", logf, err)
	}
	// Not exec.CommandContext: the child must outlive Start's ctx and stop
	// only through Stop (or the parent's death).
	cmd := exec.Command(bin, args...)
	var out io.Writer = f
	if logw != nil {
		out = io.MultiWriter(f, logw)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = s.Dir
	isolate(cmd)
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to start %s: %w", bin, err)
	}
	p := &proc{name: name, cmd: cmd, exited: make(chan struct{}), logf: logf}
	go func() { _ = cmd.Wait(); f.Close(); close(p.exited) }()
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	return p, nil
}

// waitReady polls url until it answers (any HTTP status), the child exits,
// or the timeout passes.
func (s *Sandbox) waitReady(ctx context.Context, p *proc, timeout time.Duration, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	delay := 20 * time.Millisecond
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited before it answered on %s: %s", p.name, url, tail(p.logf, 600))
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on %s: %w", p.name, url, ctx.Err())
		case <-time.After(delay):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer on %s within %s: %s", p.name, url, timeout, tail(p.logf, 600))
		}
		delay = min(delay*2, 200*time.Millisecond)
	}
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	if len(b) == 0 {
		return "(empty log)"
	}
	return strings.ReplaceAll(string(b), "\n", " | ")
}

func (s *Sandbox) startProxy(o Options) error {
	motoURL, _ := url.Parse(s.MotoURL)
	moto := httputil.NewSingleHostReverseProxy(motoURL)
	moto.ErrorLog = nil
	var motoHandler http.Handler = moto
	ecs := motoHandler
	switch {
	case o.ECS != nil:
		ecs = o.ECS(motoHandler)
		s.ECSSimulated = true
	case !o.NoECSSimulator:
		speed := o.ECSSpeed
		if speed == 0 {
			speed = DefaultECSSpeed
		}
		s.ecs = newECSRouter(motoHandler, s.MotoURL, speed)
		ecs = s.ecs
		s.ECSSimulated = true
	}
	h := &frontProxy{ecs: ecs, rest: motoHandler, cloudWatch: motoHandler, calls: s.calls, forecasts: s.forecasts}
	if s.ecs != nil {
		h.cloudWatch = cloudWatchRouter{s.ecs}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(o.Port))
	if err != nil {
		return fmt.Errorf("failed to listen for the sandbox endpoint on port %d: %w", o.Port, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	s.mu.Lock()
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	s.Endpoint = "http://" + ln.Addr().String()
	return nil
}

// frontProxy routes by X-Amz-Target: ECS to the simulator route,
// GetPredictiveScalingForecast (which moto lacks) to the forecast
// stand-in, CloudWatch (SigV4 signing name monitoring) to the stand-in fed
// by the simulator, which passes what it does not answer on to moto, the
// rest to moto.
type frontProxy struct {
	ecs, rest, cloudWatch http.Handler
	calls                 *callLog
	forecasts             *forecastsim.Store
}

func (f *frontProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	f.calls.add(r, target)
	if strings.HasPrefix(target, ECSTargetPrefix) {
		f.ecs.ServeHTTP(w, r)
		return
	}
	if target == forecastsim.Target {
		f.forecasts.Serve(w, r, signingRegion(r.Header.Get("Authorization")))
		return
	}
	if signingService(r.Header.Get("Authorization")) == "monitoring" {
		f.cloudWatch.ServeHTTP(w, r)
		return
	}
	f.rest.ServeHTTP(w, r)
}

// Env returns the environment that points the AWS SDK, the AWS CLI and the
// ecsflow actions at the sandbox, as KEY=value strings for exec.Cmd.Env:
// AWS_ENDPOINT_URL, static test credentials, the region, and
// ECSFLOW_REGISTRY (the local OCI registry host).
func (s *Sandbox) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.Endpoint,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_SESSION_TOKEN=",
		"AWS_REGION=" + s.Region,
		"AWS_DEFAULT_REGION=" + s.Region,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PROFILE=",
		"ECSFLOW_REGISTRY=" + s.RegistryHost,
		"ECSFLOW_SANDBOX=" + s.Endpoint,
	}
}

// Getenv looks a key up in Env, for helpers such as
// cloudwatchclient.Options(sb.Getenv).
func (s *Sandbox) Getenv(key string) string {
	for _, kv := range s.Env() {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

// AWSConfig returns an SDK configuration pointed at the sandbox in its
// default region. Use cloudwatchclient.Options(sb.Getenv) and
// s3client.Options(sb.Getenv) for the CloudWatch and S3 clients.
func (s *Sandbox) AWSConfig(ctx context.Context) aws.Config {
	_ = ctx
	return aws.Config{
		Region:           s.Region,
		Credentials:      staticCredentials(),
		BaseEndpoint:     aws.String(s.Endpoint),
		RetryMaxAttempts: 3,
		HTTPClient:       &http.Client{Timeout: 60 * time.Second},
	}
}

func staticCredentials() aws.CredentialsProvider {
	return aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""))
}

// Reset drops every resource in moto and in the ECS simulators (all
// regions). The registry keeps its blobs: image layers are
// content-addressed and harmless to share.
func (s *Sandbox) Reset(ctx context.Context) error {
	if s.ecs != nil {
		s.ecs.reset()
	}
	s.forecasts.Reset()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.MotoURL+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("failed to reset moto: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("failed to reset moto: %s: %s", resp.Status, b)
	}
	return nil
}

// Forecasts is the stand-in for GetPredictiveScalingForecast: set a
// policy's capacity forecast there (package forecastsim).
func (s *Sandbox) Forecasts() *forecastsim.Store { return s.forecasts }

// Stop shuts the proxy down, stops the children (SIGTERM to their process
// groups, SIGKILL after 3 s) and removes the temporary directory. It is
// safe to call more than once.
func (s *Sandbox) Stop() error {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, srv := range s.servers {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = srv.Shutdown(ctx)
			cancel()
			_ = srv.Close()
		}
		for _, p := range s.procs {
			signalGroup(p.cmd, syscall.SIGTERM)
		}
		for _, p := range s.procs {
			select {
			case <-p.exited:
			case <-time.After(3 * time.Second):
				signalGroup(p.cmd, syscall.SIGKILL)
				<-p.exited
			}
			// Whatever the leader left behind in its group goes too.
			signalGroup(p.cmd, syscall.SIGKILL)
		}
		if s.ownDir {
			s.stopErr = os.RemoveAll(s.Dir)
		}
	})
	return s.stopErr
}

// Pids returns the process ids of the sandbox's children (moto and, when
// it runs as a binary, the registry), for leak checks.
func (s *Sandbox) Pids() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, p := range s.procs {
		if p.cmd.Process != nil {
			out = append(out, p.cmd.Process.Pid)
		}
	}
	return out
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("failed to find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
