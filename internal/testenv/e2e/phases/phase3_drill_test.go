package phases

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// pushImages writes a small random image per service to the sandbox
// registry under <prefix>/<service> and returns service → image@digest.
// The sandbox serves every region from one registry, so the drill's
// images live under a prefix of their own: promoting them into the
// "recovery region" must not meet the <commit> tags other tests pushed
// for the same commit under ecsflow/<service>.
func pushImages(t *testing.T, host, prefix, tag string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, svc := range sandbox.ServiceNames {
		img, err := random.Image(512, 1)
		require.NoError(t, err)
		ref, err := name.ParseReference(host+"/"+prefix+"/"+svc+":"+tag, name.Insecure)
		require.NoError(t, err)
		require.NoError(t, remote.Write(ref, img))
		d, err := img.Digest()
		require.NoError(t, err)
		out[svc] = host + "/" + prefix + "/" + svc + "@" + d.String()
	}
	return out
}

// repositoryOf is the repository of host/repository@digest.
func repositoryOf(image string) string {
	_, path, _ := strings.Cut(image, "/")
	repo, _, _ := strings.Cut(path, "@")
	return repo
}

var (
	drillImagesOnce      sync.Once
	drillImagesByService map[string]string
)

// drillImages are the images every drill of this process restores: each
// drill promotes them tagged with the same commit into the one sandbox
// registry, where tags are immutable, so they must be the same digests.
func drillImages(t *testing.T, host string) map[string]string {
	t.Helper()
	drillImagesOnce.Do(func() {
		drillImagesByService = pushImages(t, host, fmt.Sprintf("drill-%d", time.Now().UnixNano()), "known-good")
	})
	require.Len(t, drillImagesByService, len(sandbox.ServiceNames), "pushing the drill's images failed in another test")
	return maps.Clone(drillImagesByService)
}

// pilotLight scales the stack's services to 0 and waits until no task runs:
// the recovery region as Terraform leaves it between drills.
func pilotLight(t *testing.T, api *ecs.Client, st *sandbox.Stack) {
	t.Helper()
	ctx := context.Background()
	for _, s := range sandbox.ServiceNames {
		_, err := api.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(st.Cluster), Service: aws.String(s), DesiredCount: aws.Int32(0)})
		require.NoError(t, err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		idle := true
		for _, s := range describe(t, api, st.Cluster, sandbox.ServiceNames...) {
			idle = idle && s.RunningCount == 0 && s.PendingCount == 0 && len(s.Deployments) == 1
		}
		if idle {
			return
		}
		require.False(t, time.Now().After(deadline), "the recovery region's services did not scale to 0")
		time.Sleep(200 * time.Millisecond)
	}
}

// restoreSpan is, on the simulator's clock, how long the recovery region's
// ECS took for the drill's deployments: from the first one's start to the
// last one's end, found by the revision each deployed.
func restoreSpan(t *testing.T, api *ecs.Client, cluster string, restored map[string]string) time.Duration {
	t.Helper()
	ctx := context.Background()
	var first, last time.Time
	for svc, td := range restored {
		list, err := api.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String(cluster), Service: aws.String(svc)})
		require.NoError(t, err)
		found := false
		for _, b := range list.ServiceDeployments {
			rev, err := api.DescribeServiceRevisions(ctx, &ecs.DescribeServiceRevisionsInput{ServiceRevisionArns: []string{aws.ToString(b.TargetServiceRevisionArn)}})
			require.NoError(t, err)
			if len(rev.ServiceRevisions) == 0 || aws.ToString(rev.ServiceRevisions[0].TaskDefinition) != td {
				continue
			}
			require.Equal(t, ecstypes.ServiceDeploymentStatusSuccessful, b.Status, "%s's restore deployment", svc)
			require.NotNil(t, b.StartedAt, svc)
			require.NotNil(t, b.FinishedAt, svc)
			if first.IsZero() || b.StartedAt.Before(first) {
				first = *b.StartedAt
			}
			if b.FinishedAt.After(last) {
				last = *b.FinishedAt
			}
			found = true
		}
		require.True(t, found, "no deployment of %s to %s in the recovery region", svc, td)
	}
	return last.Sub(first)
}

// drill is one drill run on the sandbox with what the test needs to judge it.
type drill struct {
	r      *e2e.Result
	dr     *sandbox.Stack
	drECS  *ecs.Client
	before map[string]string // service → revision in the recovery region before the drill
	images map[string]string // service → image@digest the seed deployed
}

// runDrill seeds source and recovery (at desired count 0), lets prepare
// change the recovery region (it returns the recovery-network input),
// and runs the drill workflow. Each test uses regions of its own.
func runDrill(t *testing.T, source, recovery string, prepare func(dr *sandbox.Stack, drECS *ecs.Client, images map[string]string) string) drill {
	t.Helper()
	needActions(t, "deploy-ecs", "rollback", "build-push")
	sb, src := sandboxtest.SeededRegion(t, source)
	_, dr := sandboxtest.SeededRegion(t, recovery)
	drECS := ecs.NewFromConfig(sandboxtest.Config(t, recovery))
	pilotLight(t, drECS, dr)
	before := map[string]string{}
	for _, s := range dr.Services {
		before[s.Name] = s.TaskDefinitionARN
	}
	images := drillImages(t, sb.RegistryHost)
	network := prepare(dr, drECS, images)
	var lines []string
	for _, svc := range sandbox.ServiceNames {
		lines = append(lines, svc+"="+images[svc])
	}
	r := e2e.Run(t, e2e.Workflow{
		File: "testdata/phase3-dr-drill.yml", Event: "workflow_dispatch", Region: source,
		Vars: map[string]string{"SOURCE_REGION": source, "RECOVERY_REGION": recovery, "CLUSTER": src.Cluster,
			"LEDGER": src.LedgerTable, "REGISTRY": sb.RegistryHost, "IMAGES": strings.Join(lines, "\n"),
			"RECOVERY_NETWORK": network},
		Timeout: 12 * time.Minute,
	})
	return drill{r: r, dr: dr, drECS: drECS, before: before, images: images}
}

// Phase 3 disaster-recovery drill on the sandbox: the stack is deployed
// once in the source region (the ledger records images by digest); the
// drill restores the three services in a second region where the stack
// waits at desired count 0, but for mcpo, which does not exist there: the
// drill creates it in the network the recovery-network input gives, and
// its cleanup deletes it again. Each image is promoted by digest into the
// recovery region's ECR, each task definition is registered from Git with
// that digest, and all three services become steady there; the summary
// gives RTO and RPO; cleanup returns the services to their revision and
// count of before, deletes the service it created and deregisters the
// drill's revisions.
func TestPhase3DisasterRecoveryDrill(t *testing.T) {
	t.Parallel()
	// The recovery region is this test's own: a service is deleted there.
	const source, recovery, created = "us-east-2", "us-west-1", "mcpo"
	started := time.Now()
	d := runDrill(t, source, recovery, func(dr *sandbox.Stack, drECS *ecs.Client, _ map[string]string) string {
		_, err := drECS.DeleteService(context.Background(), &ecs.DeleteServiceInput{Cluster: aws.String(dr.Cluster), Service: aws.String(created), Force: aws.Bool(true)})
		require.NoError(t, err)
		network, err := json.Marshal(map[string]any{"subnets": dr.PrivateSubnets, "securityGroups": []string{dr.SecurityGroups[created]}, "assignPublicIp": "DISABLED"})
		require.NoError(t, err)
		return string(network)
	})
	r, dr, drECS, before, images := d.r, d.dr, d.drECS, d.before, d.images
	r.RequireSuccess(t)
	assert.Equal(t, "succeeded", r.JobStep("seed", "seed").Outputs["status"], r.Log)

	// RPO: the entries are the seed deployment of this run.
	rpo, err := strconv.Atoi(r.Output("known-good", "rpo-seconds"))
	require.NoError(t, err, r.Log)
	assert.GreaterOrEqual(t, rpo, 0)
	assert.LessOrEqual(t, float64(rpo), time.Since(started).Seconds()+1, "the entries were written during the run")

	// Restore: three services steady on revisions from Git with the same
	// digests, pulled from the recovery region's copy.
	restore := r.JobStep("restore", "deploy")
	require.NotNil(t, restore, r.Log)
	assert.Equal(t, "succeeded", restore.Outputs["status"], r.Log)
	var createdWith map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.JobStep("restore", "create").Outputs["created"]), &createdWith), r.Log)
	require.Equal(t, []string{created}, slices.Sorted(maps.Keys(createdWith)), "only the missing service is created")
	assert.Equal(t, "true", r.JobStep("restore", "health").Outputs["healthy"], "the health check read the services back; log:\n%s", r.Log)
	var restored map[string]string
	require.NoError(t, json.Unmarshal([]byte(restore.Outputs["task-definition-arn"]), &restored), r.Log)
	require.Len(t, restored, 3)
	drECR := ecr.NewFromConfig(sandboxtest.Config(t, recovery))
	for svc, arn := range restored {
		assert.Contains(t, arn, ":"+recovery+":", "%s registered in the recovery region", svc)
		assert.NotEqual(t, before[svc], arn, "%s got a new revision", svc)
		td, err := drECS.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, images[svc], aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image), "%s runs the known-good digest", svc)
		assert.Equal(t, ecstypes.TaskDefinitionStatusInactive, td.TaskDefinition.Status, "cleanup deregistered %s", arn)
		_, digest, _ := strings.Cut(images[svc], "@")
		got, err := drECR.DescribeImages(context.Background(), &ecr.DescribeImagesInput{
			RepositoryName: aws.String(repositoryOf(images[svc])), ImageIds: []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(digest)}}})
		require.NoError(t, err, svc)
		assert.Len(t, got.ImageDetails, 1, "%s promoted into the recovery region's ECR", svc)
	}

	// RTO in the summary, and on the simulator's clock: the run's wall
	// time with deploy-ecs's wall time replaced by the simulated time the
	// recovery region's ECS took (the sandbox runs ECS 20 times faster).
	rtoWall, err := strconv.Atoi(r.Output("rto", "rto-seconds"))
	require.NoError(t, err, r.Log)
	deployWall, err := strconv.Atoi(restore.Outputs["duration-seconds"])
	require.NoError(t, err, r.Log)
	require.GreaterOrEqual(t, rtoWall, deployWall)
	// The created service's deployments went with it (a deleted service
	// has no revisions left); its wave ran beside bedrock-access-gateway's.
	kept := maps.Clone(restored)
	delete(kept, created)
	span := restoreSpan(t, drECS, dr.Cluster, kept)
	assert.Positive(t, span)
	rtoSim := time.Duration(rtoWall-deployWall)*time.Second + span
	assert.Contains(t, r.Summary, fmt.Sprintf("| RTO (drill start → all services steady and healthy) | %d s |", rtoWall))
	assert.Contains(t, r.Summary, fmt.Sprintf("| RPO (age of the oldest last-known-good entry) | %d s |", rpo))
	for _, svc := range sandbox.ServiceNames {
		assert.Contains(t, r.Summary, "| "+svc+" | "+"arn:aws:ecs:"+source, "the summary names %s's known-good revision", svc)
	}
	t.Logf("dr-drill-bench: rto-sim-seconds=%d rto-wall-seconds=%d rpo-seconds=%d ecs-restore-sim-seconds=%d",
		int(rtoSim.Seconds()), rtoWall, rpo, int(span.Seconds()))

	// Cleanup: back to the revisions of before at desired count 0.
	assert.Contains(t, r.Log, "cleaned-up=true", r.Log)
	assert.Contains(t, r.Summary, "Cleanup: true")
	for name, s := range describe(t, drECS, dr.Cluster, sandbox.ServiceNames...) {
		if name == created {
			assert.NotEqual(t, "ACTIVE", aws.ToString(s.Status), "cleanup deleted %s, which the drill created", name)
			continue
		}
		assert.Equal(t, int32(0), s.DesiredCount, name)
		assert.Equal(t, int32(0), s.RunningCount, name)
		assert.Equal(t, before[name], aws.ToString(s.TaskDefinition), "%s is back on its revision of before", name)
	}
	td, err := drECS.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(createdWith[created])})
	require.NoError(t, err)
	assert.Equal(t, ecstypes.TaskDefinitionStatusInactive, td.TaskDefinition.Status, "cleanup deregistered the revision %s was created with", created)
}

// The restore fails in the recovery region (open-webui's image cannot be
// pulled there): the run is reported failed, and the cleanup job still
// runs: every service is back on its revision of before at desired count
// 0 and the drill's revisions are deregistered.
func TestPhase3DisasterRecoveryDrillCleansUpAfterAFailedRestore(t *testing.T) {
	t.Parallel()
	const source, recovery = "eu-west-1", "eu-central-1" // regions of its own
	sb := sandboxtest.Start(t)
	d := runDrill(t, source, recovery, func(_ *sandbox.Stack, _ *ecs.Client, images map[string]string) string {
		sim := sb.ECS(recovery)
		require.NotNil(t, sim, "the sandbox runs without the ECS simulator")
		sim.InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, Image: images["open-webui"]})
		return ""
	})
	r := d.r
	r.RequireFailure(t)
	restore := r.JobStep("restore", "deploy")
	require.NotNil(t, restore, r.Log)
	assert.NotEqual(t, "succeeded", restore.Outputs["status"], r.Log)
	assert.Nil(t, r.JobStep("restore", "rto"), "no RTO is measured for a failed restore")
	assert.Contains(t, r.Summary, "restore "+restore.Outputs["status"], r.Log)
	assert.Contains(t, r.Summary, "not measured", r.Log)

	var restored map[string]string
	require.NoError(t, json.Unmarshal([]byte(restore.Outputs["task-definition-arn"]), &restored), r.Log)
	require.Len(t, restored, 3, r.Log)
	assert.Contains(t, r.Log, "cleaned-up=true", r.Log)
	assert.Contains(t, r.Summary, "Cleanup: true")
	for name, s := range describe(t, d.drECS, d.dr.Cluster, sandbox.ServiceNames...) {
		assert.Equal(t, int32(0), s.DesiredCount, name)
		assert.Equal(t, int32(0), s.RunningCount, name)
		assert.Equal(t, d.before[name], aws.ToString(s.TaskDefinition), "%s is back on its revision of before", name)
	}
	for svc, arn := range restored {
		td, err := d.drECS.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, ecstypes.TaskDefinitionStatusInactive, td.TaskDefinition.Status, "cleanup deregistered %s's %s", svc, arn)
	}
}
