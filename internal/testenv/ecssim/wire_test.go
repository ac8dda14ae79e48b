package ecssim

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestDecodeInputRoundTrip serialises inputs with the SDK's own serializer
// (what a real client sends) and expects decodeInput to rebuild them exactly.
func TestDecodeInputRoundTrip(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	cases := []struct {
		name string
		in   smithy.Serializable
		out  any
	}{
		{"UpdateService", &ecs.UpdateServiceInput{
			Cluster: ptr("c"), Service: ptr("s"), DesiredCount: ptr(int32(4)), ForceNewDeployment: true, TaskDefinition: ptr("web:3"),
			EnableECSManagedTags: ptr(true), HealthCheckGracePeriodSeconds: ptr(int32(30)),
			DeploymentConfiguration: &types.DeploymentConfiguration{
				MaximumPercent: ptr(int32(150)), MinimumHealthyPercent: ptr(int32(50)), Strategy: types.DeploymentStrategyLinear, BakeTimeInMinutes: ptr(int32(5)),
				LinearConfiguration:      &types.LinearConfiguration{StepPercent: ptr(12.5), StepBakeTimeInMinutes: ptr(int32(2))},
				CanaryConfiguration:      &types.CanaryConfiguration{CanaryPercent: ptr(5.0), CanaryBakeTimeInMinutes: ptr(int32(10))},
				DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true, ThresholdConfiguration: &types.ThresholdConfiguration{Type: types.ThresholdTypeCount, Value: 4}},
				Alarms:                   &types.DeploymentAlarms{AlarmNames: []string{"a", "b"}, Enable: true, Rollback: true},
				LifecycleHooks: []types.DeploymentLifecycleHook{{
					TargetType: types.DeploymentLifecycleHookTargetTypePause, LifecycleStages: []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePostScaleUp},
					TimeoutConfiguration: &types.DeploymentLifecycleHookTimeoutConfiguration{Action: types.DeploymentLifecycleHookActionContinue, TimeoutInMinutes: ptr(int32(7))},
				}},
			},
			LoadBalancers: []types.LoadBalancer{{TargetGroupArn: ptr("tg"), ContainerName: ptr("app"), ContainerPort: ptr(int32(80)),
				AdvancedConfiguration: &types.AdvancedConfiguration{AlternateTargetGroupArn: ptr("tg2"), ProductionListenerRule: ptr("rule"), RoleArn: ptr("role")}}},
			NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"s1", "s2"}, SecurityGroups: []string{"sg"}, AssignPublicIp: types.AssignPublicIpEnabled}},
		}, &ecs.UpdateServiceInput{}},
		{"RegisterTaskDefinition", &ecs.RegisterTaskDefinitionInput{
			Family: ptr("web"), Cpu: ptr("1024"), Memory: ptr("2048"), NetworkMode: types.NetworkModeAwsvpc, ExecutionRoleArn: ptr("exec"), TaskRoleArn: ptr("task"),
			RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
			RuntimePlatform:         &types.RuntimePlatform{CpuArchitecture: types.CPUArchitectureArm64, OperatingSystemFamily: types.OSFamilyLinux},
			Volumes:                 []types.Volume{{Name: ptr("data"), EfsVolumeConfiguration: &types.EFSVolumeConfiguration{FileSystemId: ptr("fs-1"), TransitEncryption: types.EFSTransitEncryptionEnabled}}},
			Tags:                    []types.Tag{{Key: ptr("k"), Value: ptr("v")}},
			ContainerDefinitions: []types.ContainerDefinition{{
				Name: ptr("app"), Image: ptr("repo/app@sha256:abc"), Essential: ptr(true), Cpu: 512, Memory: ptr(int32(1024)), MemoryReservation: ptr(int32(512)),
				Command: []string{"serve", "--port", "8080"}, Environment: []types.KeyValuePair{{Name: ptr("A"), Value: ptr("1")}},
				Secrets:          []types.Secret{{Name: ptr("TOKEN"), ValueFrom: ptr("arn:aws:secretsmanager:us-east-1:1:secret:x")}},
				PortMappings:     []types.PortMapping{{ContainerPort: ptr(int32(8080)), Protocol: types.TransportProtocolTcp, AppProtocol: types.ApplicationProtocolHttp, Name: ptr("http")}},
				HealthCheck:      &types.HealthCheck{Command: []string{"CMD", "true"}, Interval: ptr(int32(10)), Retries: ptr(int32(3))},
				LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "/ecs/web"}},
				DockerLabels:     map[string]string{"x": "y"}, MountPoints: []types.MountPoint{{SourceVolume: ptr("data"), ContainerPath: ptr("/data"), ReadOnly: ptr(false)}},
			}},
		}, &ecs.RegisterTaskDefinitionInput{}},
		{"ListServiceDeployments", &ecs.ListServiceDeploymentsInput{
			Cluster: ptr("c"), Service: ptr("s"), MaxResults: ptr(int32(5)), NextToken: ptr("sim-5"),
			Status:    []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusInProgress, types.ServiceDeploymentStatusSuccessful},
			CreatedAt: &types.CreatedAt{After: ptr(when), Before: ptr(when.Add(time.Hour))},
		}, &ecs.ListServiceDeploymentsInput{}},
		{"ContinueServiceDeployment", &ecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: ptr("arn"), HookId: ptr("h"), Action: types.DeploymentLifecycleHookActionRollback}, &ecs.ContinueServiceDeploymentInput{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, err := encodeOutput(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if err := decodeInput(body, tc.out); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if !reflect.DeepEqual(tc.in, tc.out) {
				t.Fatalf("round trip differs\nsent    %+v\ndecoded %+v\nwire    %s", tc.in, tc.out, body)
			}
		})
	}
}

func TestDecodeInputRejectsWrongTypes(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"desiredCount":"three"}`, `{"deploymentConfiguration":[]}`, `not json`, `{"forceNewDeployment":1}`} {
		if err := decodeInput([]byte(body), &ecs.UpdateServiceInput{}); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}

// TestGoldenWire records what the simulator answers, on the wire, after a
// circuit-breaker rollback: testdata/<name>.request.json holds the request,
// <name>.golden.json the response (go test -update rewrites them).
func TestGoldenWire(t *testing.T) {
	t.Parallel()
	f := newFixture(t, cbRollback())
	f.sim.InjectFault(Fault{Kind: FaultExit, Image: "app:v2", ExitCode: 3, After: 4 * time.Second, Reason: "panic: config missing"})
	arn := f.deploy("app:v2", nil)
	f.sim.Advance(5 * time.Minute)
	stopped := ok(f.sim.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: ptr("c1"), ServiceName: ptr("web"), DesiredStatus: types.DesiredStatusStopped, MaxResults: ptr(int32(1))}))
	h := f.sim.ops()
	requests := map[string]any{
		"DescribeServices":           map[string]any{"cluster": "c1", "services": []string{"web"}},
		"DescribeServiceDeployments": map[string]any{"serviceDeploymentArns": []string{arn}},
		"DescribeTasks":              map[string]any{"cluster": "c1", "tasks": stopped.TaskArns},
	}
	for name, req := range requests {
		reqFile := filepath.Join("testdata", "rollback."+name+".request.json")
		if *update {
			reqBody, _ := json.MarshalIndent(req, "", "  ")
			_ = os.MkdirAll("testdata", 0o755)
			if err := os.WriteFile(reqFile, append(reqBody, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		reqBody, err := os.ReadFile(reqFile)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		out, err := h[name](f.ctx, reqBody)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw, err := encodeOutput(out)
		if err != nil {
			t.Fatal(err)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, raw, "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		golden := filepath.Join("testdata", "rollback."+name+".golden.json")
		if *update {
			if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(want, pretty.Bytes()) {
			t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, golden, pretty.String())
		}
	}
}
