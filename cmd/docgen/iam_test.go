package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/ecr"
	"github.com/ecsflow/ecsflow/internal/forecast"
	"github.com/ecsflow/ecsflow/internal/ledger"
	"github.com/ecsflow/ecsflow/internal/rollback"
)

// deployRoleCalls are the consumer-side interfaces through which
// build-push, deploy-ecs and rollback reach AWS, keyed by IAM service
// prefix. Each method is an API call and so an IAM action.
var deployRoleCalls = map[string][]reflect.Type{
	"ecs":                  {reflect.TypeFor[deploy.ECS](), reflect.TypeFor[rollback.ECS]()},
	"cloudwatch":           {reflect.TypeFor[deploy.CloudWatch]()},
	"elasticloadbalancing": {reflect.TypeFor[deploy.ELB]()},
	"dynamodb":             {reflect.TypeFor[ledger.DynamoDB]()},
	"ecr":                  {reflect.TypeFor[ecr.API]()},
	// the forecast guard of deploy-ecs and rollback
	"application-autoscaling": {reflect.TypeFor[forecast.API]()},
}

// deployRoleExtras are actions no interface method names: the registry
// protocol's pushes and pulls (authorised as ECR actions), handing the
// task roles to ECS when a task definition is registered, and the tags a
// task definition carries at registration (ECS authorises tag-on-create
// as ecs:TagResource).
var deployRoleExtras = []string{
	"ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
	"ecr:CompleteLayerUpload", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
	"iam:PassRole", "ecs:TagResource",
}

// deployRoleOptional are calls made only behind an input that the
// documented role leaves off, with the input that needs them.
var deployRoleOptional = map[string]string{
	"ecr:CreateRepository": "build-push create-repository: true",
}

// The deploy role in docs/iam.md and in the example's bootstrap grants
// exactly what the actions call: nothing they need is missing and nothing
// they never call is granted.
func TestDeployRolePolicyMatchesTheCode(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "iam.md"))
	require.NoError(t, err)
	tf, err := os.ReadFile(filepath.Join(repoRoot, "examples", "open-webui", "bootstrap", "github-oidc.tf"))
	require.NoError(t, err)
	for name, granted := range map[string]map[string]bool{
		"docs/iam.md":      deployRoleActions(t, string(doc)),
		"bootstrap deploy": bootstrapDeployActions(t, string(tf)),
	} {
		t.Run(name, func(t *testing.T) { checkDeployRole(t, string(doc), granted) })
	}
}

func checkDeployRole(t *testing.T, doc string, granted map[string]bool) {

	need := map[string]bool{}
	for prefix, types := range deployRoleCalls {
		for _, typ := range types {
			for i := 0; i < typ.NumMethod(); i++ {
				need[prefix+":"+typ.Method(i).Name] = true
			}
		}
	}
	for _, a := range deployRoleExtras {
		need[a] = true
	}
	for a, why := range deployRoleOptional {
		delete(need, a)
		require.True(t, strings.Contains(doc, a), "docs/iam.md should say that %s needs %s", why, a)
	}

	requireExactly(t, need, granted, "the deploy role")
}

// requireExactly fails when policy grants less or more than need.
func requireExactly(t *testing.T, need, granted map[string]bool, policy string) {
	t.Helper()
	var missing, unused []string
	for a := range need {
		if !granted[a] {
			missing = append(missing, a)
		}
	}
	for a := range granted {
		if !need[a] {
			unused = append(unused, a)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	require.Empty(t, missing, "%s lacks actions the code calls", policy)
	require.Empty(t, unused, "%s grants actions the code never calls", policy)
}

var quotedAction = regexp.MustCompile(`"([a-z0-9-]+:[A-Za-z*]+)"`)

// bootstrapDeployActions lists the actions of the bootstrap's deploy
// policy document.
func bootstrapDeployActions(t *testing.T, tf string) map[string]bool {
	t.Helper()
	return documentActions(t, tf, "deploy")
}

// documentActions lists the actions of the bootstrap's policy document
// name (every quoted "service:Action" inside its block, condition keys
// left out).
func documentActions(t *testing.T, tf, name string) map[string]bool {
	t.Helper()
	m := regexp.MustCompile(`(?s)data "aws_iam_policy_document" "` + regexp.QuoteMeta(name) + `" \{\n(.*?)\n\}\n`).FindStringSubmatch(tf)
	require.NotNil(t, m, `the bootstrap has no data "aws_iam_policy_document" %q block`, name)
	out := map[string]bool{}
	for _, line := range strings.Split(m[1], "\n") {
		if strings.Contains(line, "variable") || strings.Contains(line, "values") {
			continue // condition keys such as "iam:PassedToService"
		}
		for _, a := range quotedAction.FindAllStringSubmatch(line, -1) {
			out[a[1]] = true
		}
	}
	return out
}

func deployRoleActions(t *testing.T, doc string) map[string]bool {
	t.Helper()
	return policyActions(t, doc, "Deploy role")
}

// statement is one statement of a policy in docs/iam.md; Action and
// Resource are a string or a list.
type statement struct {
	Action, Resource json.RawMessage
	Condition        map[string]map[string]any
}

// strings returns a string-or-list field as a list.
func stringList(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	require.NoError(t, json.Unmarshal(raw, &many))
	return many
}

// policyStatements reads the first JSON policy under the docs/iam.md
// heading that starts with heading.
func policyStatements(t *testing.T, doc, heading string) []statement {
	t.Helper()
	m := regexp.MustCompile("(?s)## " + regexp.QuoteMeta(heading) + "[^\n]*\n[^#]*?```json\n(.*?)\n```").FindStringSubmatch(doc)
	require.NotNil(t, m, "docs/iam.md has no JSON block under \"## %s\"", heading)
	var policy struct{ Statement []statement }
	require.NoError(t, json.Unmarshal([]byte(m[1]), &policy), "the policy under %s is not valid JSON", heading)
	return policy.Statement
}

// policyActions lists the actions of the first JSON policy under the
// docs/iam.md heading that starts with heading; wildcards fail the test.
func policyActions(t *testing.T, doc, heading string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, st := range policyStatements(t, doc, heading) {
		for _, a := range stringList(t, st.Action) {
			require.False(t, strings.Contains(a, "*"), "wildcard action %s under %s", a, heading)
			out[a] = true
		}
	}
	return out
}
