package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/s3client"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

func repoPath(t *testing.T, rel string) string {
	t.Helper()
	root, err := sandboxtest.RepoRoot()
	require.NoError(t, err)
	return filepath.Join(root, rel)
}

func exampleStack(t *testing.T, region string) sandbox.StackOptions {
	return sandbox.StackOptions{
		Dir:           repoPath(t, "examples/open-webui/terraform"),
		VarFiles:      []string{"environments/dev.tfvars"},
		BackendConfig: repoPath(t, "internal/testenv/sandbox/testdata/ownstack/example-dev.s3.tfbackend"),
		Region:        region,
	}
}

func TestReadStack(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                      string
		opts                      sandbox.StackOptions
		bucket, key, lock         string
		services                  []string
		unsupported, stoodIn      []string
		repositories, targetGroup int
	}{
		{
			name: "example with its dev backend config",
			opts: sandbox.StackOptions{Dir: repoPath(t, "examples/open-webui/terraform"),
				VarFiles: []string{"environments/dev.tfvars"}, BackendConfig: "backend/dev.s3.tfbackend"},
			bucket: "ecsflow-tfstate-dev", key: "open-webui/dev/terraform.tfstate", lock: "ecsflow-terraform-locks",
			services: []string{`aws_ecs_service.this["bedrock-access-gateway"]`, `aws_ecs_service.this["mcpo"]`, `aws_ecs_service.this["open-webui"]`},
			unsupported: []string{"aws_efs_file_system.data: type aws_efs_file_system is not seeded",
				"aws_lb_listener_rule.webui: type aws_lb_listener_rule is not seeded"},
			stoodIn:      []string{"aws_vpc.main", "aws_iam_role.execution"},
			repositories: 3, targetGroup: 2,
		},
		{
			name:   "shop with its inline backend",
			opts:   sandbox.StackOptions{Dir: repoPath(t, "examples/shop/infra")},
			bucket: "shop-terraform-state", key: "shop/dev/terraform.tfstate",
			services: []string{`aws_ecs_service.svc["api"]`, `aws_ecs_service.svc["worker"]`},
			unsupported: []string{"aws_sqs_queue.jobs: type aws_sqs_queue is not seeded",
				"aws_sns_topic.alerts: type aws_sns_topic is not seeded",
				"aws_lb_listener.http: type aws_lb_listener is not seeded"},
			stoodIn:      []string{"aws_vpc.main", "aws_subnet.private", "aws_security_group.app", "aws_iam_role.execution"},
			repositories: 1, targetGroup: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := sandbox.ReadStack(tc.opts)
			require.NoError(t, err)
			assert.Equal(t, tc.bucket, p.StateBucket)
			assert.Equal(t, tc.key, p.StateKey)
			assert.Equal(t, tc.lock, p.LockTable)
			assert.Equal(t, tc.services, addresses(p.OfType("aws_ecs_service")))
			assert.Len(t, p.OfType("aws_ecr_repository"), tc.repositories)
			assert.Len(t, p.OfType("aws_lb_target_group"), tc.targetGroup)
			for _, u := range tc.unsupported {
				assert.Contains(t, p.Unsupported, u)
			}
			for _, s := range tc.stoodIn {
				assert.Contains(t, p.StoodIn, s)
			}
		})
	}
}

func addresses(rs []*sandbox.PlannedResource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Address)
	}
	sort.Strings(out)
	return out
}

func TestReadStackBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts sandbox.StackOptions
		want string
	}{
		{"no directory", sandbox.StackOptions{}, "no Terraform directory given"},
		{"missing directory", sandbox.StackOptions{Dir: filepath.Join(t.TempDir(), "nope")}, "not a directory"},
		{"partial backend without its config", sandbox.StackOptions{Dir: repoPath(t, "examples/open-webui/terraform")}, "names no bucket and key; give them in the backend block or a backend config file (--backend-config)"},
		{"missing backend config", sandbox.StackOptions{Dir: repoPath(t, "examples/open-webui/terraform"), BackendConfig: "backend/qa.s3.tfbackend"}, "backend config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := sandbox.ReadStack(tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// SeedStack on the example's own Terraform gives the names Seed gives
// (cluster, services, families, repositories, target groups, alarms) and
// writes the state at the backend's key.
func TestSeedStackOnTheExampleMatchesSeed(t *testing.T) {
	t.Parallel()
	sb, want := sandboxtest.SeededRegion(t, "eu-west-1")
	ctx := context.Background()
	const region = "ap-southeast-2"
	got, err := sb.SeedStack(ctx, exampleStack(t, region))
	require.NoError(t, err)
	assert.Equal(t, want.Cluster, got.Cluster)
	require.Len(t, got.Services, len(want.Services))
	for _, w := range want.Services {
		g, ok := got.Service(w.Name)
		require.True(t, ok, w.Name)
		assert.Equal(t, w.Family, g.Family, w.Name)
		assert.Equal(t, w.Repository, g.Repository, w.Name)
		assert.Equal(t, w.DeploymentAlarms, g.DeploymentAlarms, w.Name)
	}
	cfg := sandboxtest.Config(t, region)
	ds, err := ecs.NewFromConfig(cfg).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(got.Cluster), Services: sandbox.ServiceNames})
	require.NoError(t, err)
	require.Len(t, ds.Services, 3)
	for _, svc := range ds.Services {
		assert.EqualValues(t, 1, svc.DesiredCount, "dev.tfvars runs min_count 1")
		assert.EqualValues(t, svc.DesiredCount, svc.RunningCount, aws.ToString(svc.ServiceName))
		if aws.ToString(svc.ServiceName) == "open-webui" {
			require.Len(t, svc.LoadBalancers, 1)
			assert.Equal(t, got.TargetGroups[`aws_lb_target_group.webui["blue"]`], aws.ToString(svc.LoadBalancers[0].TargetGroupArn))
		}
	}
	tgs, err := elbv2.NewFromConfig(cfg).DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"ecsflow-dev-webui-blue", "ecsflow-dev-webui-green"}})
	require.NoError(t, err)
	assert.Len(t, tgs.TargetGroups, 2)

	var wantAlarms []string
	for _, s := range want.Services {
		wantAlarms = append(wantAlarms, s.Alarms...)
	}
	al, err := cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(sb.Getenv)...).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: wantAlarms})
	require.NoError(t, err)
	assert.Len(t, al.MetricAlarms, len(wantAlarms), "every alarm Seed creates comes from the example's monitoring.tf")

	state := readState(t, sb, region, "ownstack-example-tfstate", "open-webui/dev/terraform.tfstate")
	assert.Contains(t, state, `aws_ecs_service.this["open-webui"]`)
	assert.Contains(t, state, `aws_ecs_task_definition.this["mcpo"]`)
	assert.Contains(t, state, `aws_cloudwatch_metric_alarm.webui_5xx`)
	assert.Empty(t, findings(scanSeeded(t, sb, got, false)), "drift-check finds the seeded stack in sync with its state")
	assert.Contains(t, got.Plan.Unsupported, `aws_ecs_service.this["open-webui"]: load_balancer.advanced_configuration is not seeded (listener rules are not), so the service only rolls`)
}

// The shop: one image as two services in eu-west-1, one repository, a
// target group for api only.
func TestSeedStackOnTheShop(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t)
	ctx := context.Background()
	const region = "eu-west-1"
	st, err := sb.SeedStack(ctx, sandbox.StackOptions{Dir: repoPath(t, "examples/shop/infra"), Region: region})
	require.NoError(t, err)
	assert.Equal(t, "shop-dev", st.Cluster)
	assert.Equal(t, "api\nworker", st.Vars()["ECSFLOW_SERVICES"])
	cfg := sandboxtest.Config(t, region)
	ds, err := ecs.NewFromConfig(cfg).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("shop-dev"), Services: []string{"api", "worker"},
		Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
	require.NoError(t, err)
	require.Len(t, ds.Services, 2)
	counts := map[string]int32{}
	for _, svc := range ds.Services {
		name := aws.ToString(svc.ServiceName)
		counts[name] = svc.RunningCount
		g, _ := st.Service(name)
		assert.Equal(t, "shop/app", g.Repository, "both services run the one image")
		assert.Equal(t, []string{"shop-dev-" + name + "-errors"}, svc.DeploymentConfiguration.Alarms.AlarmNames)
		td, err := ecs.NewFromConfig(cfg).DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition})
		require.NoError(t, err)
		c := td.TaskDefinition.ContainerDefinitions[0]
		assert.Equal(t, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/app:initial", aws.ToString(c.Image))
		assert.Equal(t, "/ecs/shop-dev/"+name, c.LogConfiguration.Options["awslogs-group"])
		assert.Equal(t, "shop-"+name, aws.ToString(td.TaskDefinition.Family))
	}
	assert.Equal(t, map[string]int32{"api": 2, "worker": 1}, counts)
	al, err := cloudwatch.NewFromConfig(cfg, cloudwatchclient.Options(sb.Getenv)...).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"shop-dev-api-errors"}})
	require.NoError(t, err)
	require.Len(t, al.MetricAlarms, 1)
	dims := map[string]string{}
	for _, d := range al.MetricAlarms[0].Dimensions {
		dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	assert.Equal(t, map[string]string{"ClusterName": "shop-dev", "ServiceName": "api"}, dims)

	state := readState(t, sb, region, "shop-terraform-state", "shop/dev/terraform.tfstate")
	for _, addr := range []string{`aws_ecs_service.svc["worker"]`, `aws_ecr_repository.app`, `aws_lb_target_group.api`, `aws_lb.public`, `aws_ecs_cluster.this`} {
		assert.Contains(t, state, addr)
	}
	res := scanSeeded(t, sb, st, false)
	assert.Empty(t, findings(res), "drift-check finds the seeded stack in sync with its state")
	// cluster, 2 services, 2 task definitions, repository, 2 log groups,
	// 2 alarms, load balancer, target group.
	assert.Equal(t, 12, res.Checked)
	assert.True(t, slices.Contains(st.Plan.Unsupported, "aws_sqs_queue.jobs: type aws_sqs_queue is not seeded"))
}

// readState returns the addresses of the resources in the state object.
func readState(t *testing.T, sb *sandbox.Sandbox, region, bucket, key string) []string {
	t.Helper()
	cfg := sandboxtest.Config(t, region)
	out, err := s3.NewFromConfig(cfg, s3client.Options(sb.Getenv)...).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err)
	b, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	var doc struct {
		Version   int `json:"version"`
		Resources []struct {
			Type, Name string
			Instances  []struct {
				IndexKey any `json:"index_key"`
			}
		}
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Equal(t, 4, doc.Version)
	var addrs []string
	for _, r := range doc.Resources {
		for _, i := range r.Instances {
			a := r.Type + "." + r.Name
			if k, ok := i.IndexKey.(string); ok {
				a += `["` + k + `"]`
			}
			addrs = append(addrs, a)
		}
	}
	return addrs
}

// The shop's task-definition files (what deploy-ecs registers) name the
// families and containers its Terraform registers first, so a deployment
// keeps each service on its own family.
func TestShopTaskDefinitionFilesMatchItsTerraform(t *testing.T) {
	t.Parallel()
	p, err := sandbox.ReadStack(sandbox.StackOptions{Dir: repoPath(t, "examples/shop/infra")})
	require.NoError(t, err)
	require.Len(t, p.OfType("aws_ecs_task_definition"), 2)
	for _, svc := range []string{"api", "worker"} {
		b, err := os.ReadFile(repoPath(t, "examples/shop/deploy/ecs/"+svc+".json"))
		require.NoError(t, err)
		td, err := sandbox.ParseTaskDefinition(b)
		require.NoError(t, err)
		assert.Equal(t, "shop-"+svc, aws.ToString(td.Family))
		assert.Equal(t, svc, aws.ToString(td.ContainerDefinitions[0].Name))
		assert.Contains(t, aws.ToString(td.ContainerDefinitions[0].Image), ".dkr.ecr.eu-west-1.amazonaws.com/shop/app:", "both services run the one image")
	}
}
