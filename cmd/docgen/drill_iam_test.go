package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/ecr"
)

// drillECRSkipped are ecr.API calls the drill's promotion never makes: it
// passes build-push no scan input.
var drillECRSkipped = []string{"StartImageScan", "DescribeImageScanFindings"}

// drillExtras are actions no interface method or script line names: the
// registry protocol's pushes into the recovery region's ECR (the pulls
// are from the primary region, under the deploy policy), the task roles
// handed to ECS, and tags given at registration.
var drillExtras = []string{
	"ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
	"iam:PassRole", "ecs:TagResource",
}

// awsECSCall is one AWS CLI call of scripts/dr-drill.sh; a waiter is the
// Describe call it polls.
var awsECSCall = regexp.MustCompile(`aws ecs (wait [a-z-]+|[a-z-]+)`)

// drillNeeds is every action the drill makes in the recovery region:
// deploy-ecs's ECS calls, the promotion's ECR calls, and the ECS calls of
// scripts/dr-drill.sh.
func drillNeeds(t *testing.T) map[string]bool {
	t.Helper()
	need := map[string]bool{}
	ecsCalls := reflect.TypeFor[deploy.ECS]()
	for i := range ecsCalls.NumMethod() {
		need["ecs:"+ecsCalls.Method(i).Name] = true
	}
	ecrCalls := reflect.TypeFor[ecr.API]()
	for _, skip := range drillECRSkipped {
		_, ok := ecrCalls.MethodByName(skip)
		require.True(t, ok, "ecr.API has no %s: update drillECRSkipped", skip)
	}
	for i := range ecrCalls.NumMethod() {
		if name := ecrCalls.Method(i).Name; !slices.Contains(drillECRSkipped, name) {
			need["ecr:"+name] = true
		}
	}
	for _, a := range drillExtras {
		need[a] = true
	}
	script, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "dr-drill.sh"))
	require.NoError(t, err)
	calls := awsECSCall.FindAllStringSubmatch(string(script), -1)
	require.NotEmpty(t, calls, "scripts/dr-drill.sh makes no aws ecs call")
	for _, c := range calls {
		// both waiters poll DescribeServices
		if c[1] == "wait services-stable" || c[1] == "wait services-inactive" {
			need["ecs:DescribeServices"] = true
			continue
		}
		require.False(t, strings.HasPrefix(c[1], "wait "), "dr-drill.sh uses waiter %q: name the call it polls here", c[1])
		var action strings.Builder
		for _, w := range strings.Split(c[1], "-") {
			action.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
		need["ecs:"+action.String()] = true
	}
	return need
}

// The DR drill's policy, in docs/iam.md and in the example's bootstrap,
// grants exactly what the drill calls in the recovery region: nothing it
// needs is missing, nothing it never calls is granted; the service calls
// are limited to the recovery region's cluster, task-definition calls to
// the recovery region, and PassRole to ECS tasks.
func TestDrillPolicyMatchesTheCode(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "iam.md"))
	require.NoError(t, err)
	tf, err := os.ReadFile(filepath.Join(repoRoot, "examples", "open-webui", "bootstrap", "dr.tf"))
	require.NoError(t, err)
	need := drillNeeds(t)
	for name, granted := range map[string]map[string]bool{
		"docs/iam.md":        policyActions(t, string(doc), "DR drill policy"),
		"bootstrap dr_drill": documentActions(t, string(tf), "dr_drill"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			requireExactly(t, need, granted, "the drill policy")
		})
	}
	for _, st := range policyStatements(t, string(doc), "DR drill policy") {
		actions, resources := stringList(t, st.Action), stringList(t, st.Resource)
		switch {
		case slices.Contains(actions, "ecs:CreateService"):
			for _, r := range resources {
				require.Regexp(t, `^arn:aws:ecs:us-west-2:\d{12}:[a-z-]+/ecsflow-prod(/\*)?$`, r, "service calls are limited to the recovery cluster")
			}
		case slices.Contains(actions, "ecs:RegisterTaskDefinition"):
			require.Equal(t, "us-west-2", st.Condition["StringEquals"]["aws:RequestedRegion"], "task-definition calls are limited to the recovery region")
		case slices.Contains(actions, "iam:PassRole"):
			require.Equal(t, "ecs-tasks.amazonaws.com", st.Condition["StringEquals"]["iam:PassedToService"])
			require.Equal(t, []string{"arn:aws:iam::333333333333:role/ecsflow-prod-*"}, resources)
		case slices.Contains(actions, "ecr:PutImage"):
			require.Equal(t, []string{"arn:aws:ecr:us-west-2:333333333333:repository/ecsflow/*"}, resources)
		default:
			require.Equal(t, []string{"ecr:GetAuthorizationToken"}, actions, "only the ECR token is granted on every resource")
		}
	}
}
