package phases

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/testenv/drifttest"
	"github.com/ecsflow/ecsflow/internal/testenv/e2e"
	"github.com/ecsflow/ecsflow/internal/testenv/ecssim"
	"github.com/ecsflow/ecsflow/internal/testenv/ghstub"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox"
	"github.com/ecsflow/ecsflow/internal/testenv/sandbox/sandboxtest"
)

// githubEnv points a run's GitHub API calls at the stand-in gh, on top of
// the OIDC stand-in.
func githubEnv(t *testing.T, gh *ghstub.Server) (env, secrets map[string]string) {
	t.Helper()
	env = oidcServer(t)
	env["GITHUB_API_URL"] = gh.URL
	env["GITHUB_REPOSITORY"] = "octo-org/webui-infra"
	return env, map[string]string{"GITHUB_TOKEN": gh.Token}
}

// Phase 3 drift on the sandbox: a stack built with its Terraform state, one
// service scaled behind Terraform's back. The scheduled run reports the
// drift without failing (fail-on-drift off) and opens one issue on the
// GitHub stand-in naming the resource, the attribute and the class; once
// the service is scaled back, the next run closes that same issue and opens
// no other.
func TestPhase3DriftOpensThenClosesTheIssue(t *testing.T) {
	t.Parallel()
	needActions(t, "drift-check")
	const region = "eu-south-1"
	sb := e2e.Sandbox(t)
	cfg := sandboxtest.Config(t, region)
	c := drifttest.NewClients(cfg, cloudwatchclient.Options(sb.Getenv)...)
	ctx := context.Background()
	st, err := drifttest.Build(ctx, c, drifttest.Options{Name: "phase3drift", Services: 2, NoClusterSettings: true})
	require.NoError(t, err)
	state := filepath.Join(t.TempDir(), "terraform.tfstate")
	require.NoError(t, os.WriteFile(state, st.State(), 0o644))
	drifted := st.Services[1].Name
	live, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(st.Cluster), Services: []string{drifted}})
	require.NoError(t, err)
	require.Len(t, live.Services, 1)
	desired := live.Services[0].DesiredCount
	require.NoError(t, drifttest.ScaleService(ctx, c, st.Cluster, drifted, desired+3))

	gh := ghstub.New(t)
	env, secrets := githubEnv(t, gh)
	run := func() *e2e.Result {
		return e2e.Run(t, e2e.Workflow{
			File: "testdata/phase3-drift.yml", Event: "workflow_dispatch", Region: region, Env: env, Secrets: secrets,
			Vars: map[string]string{"REGION": region, "STATE": state,
				"ROLES": `{"dev":{"readonly":"arn:aws:iam::123456789012:role/ecsflow-dev-github-readonly"}}`},
		})
	}

	// 1. Drift: reported, notified, one issue opened; the job succeeds.
	r := run()
	r.RequireSuccess(t)
	assert.Equal(t, "success", r.Jobs["drift"], r.Log)
	assert.Equal(t, "true", r.Output("drift", "drifted"), r.Log)
	assert.Equal(t, "1", r.Output("drift", "changed"), r.Log)
	assert.Equal(t, "0", r.Output("drift", "missing"), r.Log)
	assert.Contains(t, r.Summary, drifted)
	assert.Contains(t, r.Log, "notify: ", "drift is notified")
	issues := gh.Issues()
	require.Len(t, issues, 1, "one issue for the environment")
	is := issues[0]
	assert.Equal(t, "octo-org/webui-infra", is.Repo, "the run's repository")
	assert.Equal(t, "1", r.Output("drift", "issue-number"), r.Log)
	assert.Equal(t, 1, is.Number)
	assert.Equal(t, "open", is.State)
	assert.Equal(t, "Drift detected in dev", is.Title)
	assert.Equal(t, []string{"ecsflow-drift"}, is.Labels)
	assert.Contains(t, is.Body, "<!-- ecsflow-drift-check environment=dev -->", "the marker the next run finds it by")
	assert.Contains(t, is.Body, "aws_ecs_service.", "the resource type")
	assert.Contains(t, is.Body, drifted, "the drifted service")
	assert.Contains(t, is.Body, "`desired_count`", "the drifted attribute")
	assert.Contains(t, is.Body, "Requires review (1)", "the class of the change")
	assert.Contains(t, is.Body, "→")
	assert.NotContains(t, is.Body, st.Services[0].Name, "the service in sync is not listed")

	// 2. The hand-made change is undone: the next run finds no drift and
	// closes the same issue with a comment; nothing new is opened.
	require.NoError(t, drifttest.ScaleService(ctx, c, st.Cluster, drifted, desired))
	r = run()
	r.RequireSuccess(t)
	assert.Equal(t, "false", r.Output("drift", "drifted"), r.Log)
	assert.Equal(t, "0", r.Output("drift", "changed"), r.Log)
	assert.NotContains(t, r.Log, "notify: ", "nothing to notify")
	issues = gh.Issues()
	require.Len(t, issues, 1, "no duplicate issue")
	assert.Equal(t, 1, issues[0].Number)
	assert.Equal(t, "closed", issues[0].State)
	assert.Equal(t, "completed", issues[0].StateReason)
	require.Len(t, issues[0].Comments, 1)
	assert.Contains(t, issues[0].Comments[0].Body, "Drift is gone")
	for _, q := range gh.Requests() {
		assert.Less(t, q.Status, 300, "%s %s", q.Method, q.Path)
	}
}

const devDeployRole = `{"dev":{"deploy":"arn:aws:iam::123456789012:role/ecsflow-dev-github-deploy"}}`

func runSelfHeal(t *testing.T, region string, stack *sandbox.Stack, gh *ghstub.Server) *e2e.Result {
	t.Helper()
	env, secrets := githubEnv(t, gh)
	return e2e.Run(t, e2e.Workflow{
		File: "testdata/phase3-self-heal.yml", Event: "workflow_dispatch", Region: region, Env: env, Secrets: secrets,
		Vars: map[string]string{"REGION": region, "CLUSTER": stack.Cluster, "ROLES": devDeployRole, "LEDGER": stack.LedgerTable},
	})
}

func describe(t *testing.T, api *ecs.Client, cluster string, names ...string) map[string]ecstypes.Service {
	t.Helper()
	out, err := api.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: names})
	require.NoError(t, err)
	m := map[string]ecstypes.Service{}
	for _, s := range out.Services {
		m[aws.ToString(s.ServiceName)] = s
	}
	return m
}

func primary(s ecstypes.Service) ecstypes.Deployment {
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			return d
		}
	}
	return ecstypes.Deployment{}
}

// Phase 3 self-healing on a healthy stack: rollback's check mode, with the
// ledger, finds every service at its desired count with no alarm, changes
// nothing, opens no issue and succeeds.
func TestPhase3SelfHealingHealthyStack(t *testing.T) {
	t.Parallel()
	needActions(t, "rollback")
	const region = "sa-east-1"
	_, stack := sandboxtest.SeededRegion(t, region)
	before := map[string]string{}
	for _, s := range stack.Services {
		before[s.Name] = s.TaskDefinitionARN
	}
	gh := ghstub.New(t)
	r := runSelfHeal(t, region, stack, gh)
	r.RequireSuccess(t)
	assert.Equal(t, "success", r.Jobs["heal"], r.Log)
	assert.Equal(t, stack.Cluster, r.Output("env", "cluster"))
	assert.Equal(t, "false", r.Output("heal", "rolled-back"), r.Log)
	assert.NotContains(t, r.Log, "notify:", "nothing healed, nothing failed: no notification")
	assert.Empty(t, gh.Issues(), "nothing to escalate")

	got := describe(t, ecs.NewFromConfig(sandboxtest.Config(t, region)), stack.Cluster, sandbox.ServiceNames...)
	for name, s := range got {
		assert.Equal(t, before[name], aws.ToString(s.TaskDefinition), "check mode left %s alone", name)
	}
}

// breakService deploys a new revision of service whose image cannot be
// pulled, with no minimum healthy percent and a circuit breaker without
// rollback, and waits until the circuit breaker has failed the deployment:
// the old tasks are gone, the new ones never start, the service is stuck
// below its desired count on a FAILED deployment. It returns the broken
// revision.
func breakService(t *testing.T, sb *sandbox.Sandbox, region string, stack *sandbox.Stack, service string) string {
	t.Helper()
	ctx := context.Background()
	cfg := sandboxtest.Config(t, region)
	api := ecs.NewFromConfig(cfg)
	svc, ok := stack.Service(service)
	require.True(t, ok)
	broken, err := drifttest.NewRevision(ctx, drifttest.Clients{ECS: api}, svc.TaskDefinitionARN, "broken")
	require.NoError(t, err)
	sb.ECS(region).InjectFault(ecssim.Fault{Kind: ecssim.FaultImagePull, TaskDefinition: broken,
		Reason: "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found"})
	_, err = api.UpdateService(ctx, &ecs.UpdateServiceInput{
		Cluster: aws.String(stack.Cluster), Service: aws.String(service), TaskDefinition: aws.String(broken),
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{
			MinimumHealthyPercent:    aws.Int32(0),
			MaximumPercent:           aws.Int32(100),
			DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: true, Rollback: false},
		},
	})
	require.NoError(t, err)
	// The sandbox's simulator runs 20 times faster than the wall clock while
	// a deployment is in progress; three failed pulls take well under a
	// simulated minute and a half.
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := describe(t, api, stack.Cluster, service)[service]
		if primary(s).RolloutState == ecstypes.DeploymentRolloutStateFailed && s.RunningCount < s.DesiredCount && s.PendingCount == 0 {
			require.Equal(t, broken, aws.ToString(s.TaskDefinition))
			return broken
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not get stuck on the broken revision: running %d of %d, rollout %s", service, s.RunningCount, s.DesiredCount, primary(s).RolloutState)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Phase 3 self-healing heals a service stuck below its desired count: mcpo
// is left on a revision whose image cannot be pulled (deployment FAILED by
// the circuit breaker, 0 tasks running); the ledger says its previous
// revision deployed fine. The scheduled check rolls it back to that last
// known good revision: it runs at its desired count again, the other
// services are untouched, the heal is recorded in the ledger and no
// escalation issue is opened.
func TestPhase3SelfHealingHealsAServiceStuckBelowDesired(t *testing.T) {
	t.Parallel()
	needActions(t, "rollback")
	const region = "ap-northeast-2"
	sb, stack := sandboxtest.SeededRegion(t, region)
	ctx := context.Background()
	cfg := sandboxtest.Config(t, region)
	mcpo, ok := stack.Service("mcpo")
	require.True(t, ok)
	good := mcpo.TaskDefinitionARN
	led := &ledger.Ledger{DB: dynamodb.NewFromConfig(cfg), Table: stack.LedgerTable}
	deployed := time.Now().Add(-2 * time.Hour).UTC()
	require.NoError(t, led.Put(ctx, ledger.Record{Cluster: stack.Cluster, Service: "mcpo", Environment: "dev",
		TaskDefinition: good, Outcome: "succeeded", Start: deployed, End: deployed.Add(3 * time.Minute)}))
	before := map[string]string{}
	for _, s := range stack.Services {
		before[s.Name] = s.TaskDefinitionARN
	}
	broken := breakService(t, sb, region, stack, "mcpo")

	gh := ghstub.New(t)
	r := runSelfHeal(t, region, stack, gh)
	r.RequireSuccess(t)
	assert.Equal(t, "success", r.Jobs["heal"], r.Log)
	assert.Equal(t, "true", r.Output("heal", "rolled-back"), r.Log)
	assert.Contains(t, r.Output("heal", "task-definition-arn"), good, r.Log)
	assert.Contains(t, r.Summary, "rolled back to", r.Log)
	short := func(arn string) string { return regexp.QuoteMeta(arn[strings.LastIndex(arn, "/")+1:]) }
	assert.Regexp(t, `\| mcpo \| `+short(broken)+` \| deployment \S+ FAILED: [^|]*circuit breaker[^|]* \| rolled back to `+short(good)+`: succeeded \|`,
		r.Summary, "the finding on mcpo and how it was healed")
	assert.Regexp(t, `\| open-webui \| \S+ \|  \| healthy \|`, r.Summary)
	assert.Contains(t, r.Log, "notify: ", "a heal is notified")
	assert.Empty(t, gh.Issues(), "healed: no escalation issue")

	api := ecs.NewFromConfig(cfg)
	got := describe(t, api, stack.Cluster, sandbox.ServiceNames...)
	m := got["mcpo"]
	assert.Equal(t, good, aws.ToString(m.TaskDefinition), "mcpo is back on its last known good revision, not %s", broken)
	assert.Equal(t, m.DesiredCount, m.RunningCount, "mcpo runs its desired count")
	assert.Positive(t, m.DesiredCount)
	assert.Equal(t, ecstypes.DeploymentRolloutStateCompleted, primary(m).RolloutState)
	for _, name := range []string{"bedrock-access-gateway", "open-webui"} {
		assert.Equal(t, before[name], aws.ToString(got[name].TaskDefinition), "%s untouched", name)
	}
	hist, err := led.History(ctx, stack.Cluster, "mcpo", 5)
	require.NoError(t, err)
	require.NotEmpty(t, hist)
	assert.Equal(t, good, hist[0].TaskDefinition, "the heal is recorded in the ledger")
	assert.Equal(t, "succeeded", hist[0].Outcome)
}

// Phase 3 self-healing that cannot heal: mcpo is stuck on a broken revision
// and the ledger holds no successful deployment to return to. The check
// changes nothing, fails the job and opens one escalation issue on the
// GitHub stand-in naming the service and why; a second run comments on
// that issue instead of opening another.
func TestPhase3SelfHealingEscalatesWhatItCannotHeal(t *testing.T) {
	t.Parallel()
	needActions(t, "rollback")
	const region = "ap-southeast-2"
	sb, stack := sandboxtest.SeededRegion(t, region)
	broken := breakService(t, sb, region, stack, "mcpo")

	gh := ghstub.New(t)
	r := runSelfHeal(t, region, stack, gh)
	r.RequireFailure(t)
	assert.Equal(t, "failure", r.Jobs["heal"], r.Log)
	assert.Equal(t, "false", r.Output("heal", "rolled-back"), r.Log)
	assert.Contains(t, r.Summary, "needs a person", r.Log)
	assert.Contains(t, r.Log, "notify: ", "a failure is notified")
	issues := gh.Issues()
	require.Len(t, issues, 1, r.Log)
	is := issues[0]
	assert.Equal(t, "octo-org/webui-infra", is.Repo, "the run's repository")
	assert.Equal(t, "open", is.State)
	assert.Equal(t, "ecsflow: "+stack.Cluster+"/mcpo needs attention", is.Title)
	assert.Equal(t, []string{"ecsflow-heal"}, is.Labels)
	assert.Contains(t, is.Body, "FAILED", "the failed deployment")
	assert.Contains(t, is.Body, "cannot roll back", "why it could not heal")
	assert.Contains(t, is.Body, broken, "the revision it is stuck on")

	s := describe(t, ecs.NewFromConfig(sandboxtest.Config(t, region)), stack.Cluster, "mcpo")["mcpo"]
	assert.Equal(t, broken, aws.ToString(s.TaskDefinition), "nothing was changed")

	r = runSelfHeal(t, region, stack, gh)
	r.RequireFailure(t)
	issues = gh.Issues()
	require.Len(t, issues, 1, "the same issue is updated, not duplicated")
	require.Len(t, issues[0].Comments, 1)
	assert.True(t, strings.Contains(issues[0].Comments[0].Body, "cannot roll back"), issues[0].Comments[0].Body)
}
