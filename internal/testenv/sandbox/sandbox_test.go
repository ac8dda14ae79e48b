package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

func TestMain(m *testing.M) {
	if os.Getenv("SANDBOX_HELPER_CRASH") != "" {
		crashingParent()
		return
	}
	os.Exit(sandboxtest.Main(m))
}

// crashingParent starts a sandbox, prints its children's pids and dies
// without calling Stop, as a test binary killed by a timeout would.
func crashingParent() {
	sb, err := sandbox.Start(context.Background(), sandbox.Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	for _, pid := range sb.Pids() {
		fmt.Println("pid", pid)
	}
	fmt.Println("dir", sb.Dir)
	os.Stdout.Sync()
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// waitGone waits for a pid to disappear; a killed child of a dead parent is
// reaped by init, so it must vanish from the process table.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d is still running", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStartRoutesECSToTheSimulatorAndTheRestToMoto(t *testing.T) {
	t.Parallel()
	var ecsCalls atomic.Int32
	sb, err := sandbox.Start(context.Background(), sandbox.Options{
		ECS: func(fallback http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ecsCalls.Add(1)
				if r.Header.Get("X-Amz-Target") == sandbox.ECSTargetPrefix+"ListClusters" {
					w.Header().Set("Content-Type", "application/x-amz-json-1.1")
					io.WriteString(w, `{"clusterArns":["arn:aws:ecs:us-east-1:123456789012:cluster/simulated"]}`)
					return
				}
				fallback.ServeHTTP(w, r)
			})
		},
	})
	require.NoError(t, err)
	pids := sb.Pids()
	dir := sb.Dir
	t.Cleanup(func() { _ = sb.Stop() })

	assert.True(t, sb.ECSSimulated)
	assert.Equal(t, sandbox.RegistryDistribution, sb.RegistryKind, "docker-registry is installed on this machine")
	ctx := context.Background()
	cfg := sb.AWSConfig(ctx)

	// The simulator answers ListClusters itself ...
	ecsc := ecs.NewFromConfig(cfg)
	lc, err := ecsc.ListClusters(ctx, &ecs.ListClustersInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"arn:aws:ecs:us-east-1:123456789012:cluster/simulated"}, lc.ClusterArns)
	// ... and hands what it does not simulate to moto.
	cc, err := ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("routed")})
	require.NoError(t, err)
	assert.Equal(t, "routed", aws.ToString(cc.Cluster.ClusterName))
	assert.EqualValues(t, 2, ecsCalls.Load())

	// Other services go straight to moto.
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, sandbox.AccountID, aws.ToString(id.Account))
	assert.EqualValues(t, 2, ecsCalls.Load())

	calls := map[string]int{}
	for _, c := range sb.Calls() {
		calls[c.Service+":"+c.Operation] = c.Count
	}
	assert.Equal(t, map[string]int{"ecs:ListClusters": 1, "ecs:CreateCluster": 1, "sts:GetCallerIdentity": 1}, calls)
	sb.ResetCalls()
	assert.Empty(t, sb.Calls())

	// The registry speaks the distribution API.
	resp, err := http.Get("http://" + sb.RegistryHost + "/v2/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// Reset empties moto.
	require.NoError(t, sb.Reset(ctx))
	dc, err := ecsc.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"routed"}})
	require.NoError(t, err)
	assert.Empty(t, dc.Clusters)

	require.Len(t, pids, 2, "moto and the registry run as children")
	require.NoError(t, sb.Stop())
	require.NoError(t, sb.Stop(), "Stop is idempotent")
	for _, pid := range pids {
		waitGone(t, pid)
	}
	_, err = os.Stat(dir)
	assert.True(t, errors.Is(err, os.ErrNotExist), "the temporary directory is removed")
	_, err = http.Get(sb.Endpoint)
	assert.Error(t, err, "the endpoint is closed")
}

func TestEnvPointsTheSDKAtTheSandbox(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t)
	env := map[string]string{}
	for _, kv := range sb.Env() {
		k, v, ok := strings.Cut(kv, "=")
		require.True(t, ok, kv)
		env[k] = v
	}
	assert.Equal(t, sb.Endpoint, env["AWS_ENDPOINT_URL"])
	assert.Equal(t, "test", env["AWS_ACCESS_KEY_ID"])
	assert.Equal(t, "test", env["AWS_SECRET_ACCESS_KEY"])
	assert.Equal(t, "us-east-1", env["AWS_REGION"])
	assert.Equal(t, sb.RegistryHost, env["ECSFLOW_REGISTRY"])
	assert.Equal(t, sb.Endpoint, sb.Getenv("AWS_ENDPOINT_URL"))
	assert.Equal(t, "", sb.Getenv("NOT_THERE"))

}

func TestInProcessRegistryWhenTheBinaryIsAbsent(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{RegistryBinary: "/nonexistent/docker-registry"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Stop() })
	assert.Equal(t, sandbox.RegistryInProcess, sb.RegistryKind)
	assert.Len(t, sb.Pids(), 1, "only moto runs as a child")
	resp, err := http.Get("http://" + sb.RegistryHost + "/v2/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestMissingMotoIsAnErrorWithAnInstallHint(t *testing.T) {
	t.Parallel()
	_, err := sandbox.Start(context.Background(), sandbox.Options{MotoBinary: "/nonexistent/moto_server"})
	require.ErrorIs(t, err, sandbox.ErrMotoMissing)
	assert.Contains(t, err.Error(), "pip install 'moto[server]'")
}

func TestAFailingChildIsReportedWithItsLog(t *testing.T) {
	t.Parallel()
	// "false" exits at once: Start must say so instead of waiting for its
	// start timeout; the message tells which of the two happened.
	_, err := sandbox.Start(context.Background(), sandbox.Options{MotoBinary: "false", StartTimeout: 20 * time.Second})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "moto exited before it answered")
}

// A test binary that dies without Stop (panic, timeout, kill -9) must not
// leave moto or the registry running.
func TestChildrenDieWithACrashedParent(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SANDBOX_HELPER_CRASH=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var pids []int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "pid" {
			pid, err := strconv.Atoi(f[1])
			require.NoError(t, err)
			pids = append(pids, pid)
		}
		if len(f) >= 1 && f[0] == "error" {
			t.Fatal(sc.Text())
		}
		if len(f) == 2 && f[0] == "dir" {
			t.Cleanup(func() { os.RemoveAll(f[1]) })
		}
	}
	_ = cmd.Wait()
	require.Len(t, pids, 2)
	for _, pid := range pids {
		waitGone(t, pid)
	}
}

func TestParseTaskDefinition(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		doc     string
		family  string
		wantErr string
	}{
		{"cli input json", `{"family":"f","cpu":"512","memory":"1024","containerDefinitions":[{"name":"a","image":"x","memory":512,"portMappings":[{"containerPort":80}]}]}`, "f", ""},
		{"describe output", `{"taskDefinition":{"family":"g","revision":3,"taskDefinitionArn":"arn","containerDefinitions":[{"name":"a","image":"x"}]}}`, "g", ""},
		{"not json", `{"family":`, "", "not valid JSON"},
		{"no containers", `{"family":"f"}`, "", "at least one container"},
		{"wrong type", `{"family":"f","containerDefinitions":[{"name":"a","memory":"lots"}]}`, "", "not a task definition"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			td, err := sandbox.ParseTaskDefinition([]byte(tc.doc))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.family, aws.ToString(td.Family))
			b, _ := json.Marshal(td.ContainerDefinitions[0].Name)
			assert.Equal(t, `"a"`, string(b))
		})
	}
}
