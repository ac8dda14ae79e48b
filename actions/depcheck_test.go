package actions_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow"
)

// testMachinery is where simulators, stubs, generators and test adaptors
// live. A shipped action binary never links any of it.
const testMachinery = module + "/internal/testenv"

// No action binary imports test machinery, directly or through another
// package (in the spirit of go-containerregistry's depcheck).
func TestActionsImportNoTestMachinery(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		t.Run(a, func(t *testing.T) {
			t.Parallel()
			deps := actionDeps(t, a)
			var bad []string
			for _, p := range deps {
				if p == testMachinery || strings.HasPrefix(p, testMachinery+"/") || strings.HasSuffix(p, "test") && strings.HasPrefix(p, module+"/") {
					bad = append(bad, p)
				}
			}
			require.Empty(t, bad, "ecsflow-%s links test machinery; keep simulators, stubs and fakes under internal/testenv and out of the engines", a)
		})
	}
}

// engines are the packages that do an action's work. They take typed
// values and clients and never read action inputs or talk to the runner:
// that is the action glue's job (docs/adr/0006-one-action-shape.md).
var engines = []string{"deploy", "drift", "rules", "policy", "builder", "buildctx", "registry", "ledger", "cost", "fleet", "utilisation"}

// gluePackages are what an engine may not import.
var gluePackages = []string{module + "/internal/cli", module + "/internal/inputs"}

// engineGlueDebt lists engines that still import glue, each with why; the
// list only shrinks.
var engineGlueDebt = map[string]string{}

// No engine imports cli or inputs, directly or through another package.
func TestEnginesImportNoActionGlue(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+"/internal/"+e).CombinedOutput()
			require.NoError(t, err, "go list: %s", out)
			var bad []string
			for _, p := range strings.Fields(string(out)) {
				if slices.Contains(gluePackages, p) {
					bad = append(bad, p)
				}
			}
			if why, ok := engineGlueDebt[e]; ok {
				require.NotEmpty(t, bad, "internal/%s no longer imports %v: remove it from engineGlueDebt (%s)", e, gluePackages, why)
				return
			}
			require.Empty(t, bad, "engine internal/%s imports action glue; parse inputs in the action's package and pass the engine typed values", e)
		})
	}
}

// heavyModules are modules that cost an action binary a megabyte or more,
// each with the actions allowed to link it and why
// (docs/adr/0008-binary-budget.md has the figures).
var heavyModules = map[string][]string{
	// Terraform evaluation: validate's rules and policies, optimize's
	// cost.Locate. drift-check reads backends, var files and
	// ignore_changes with tfstate's own small reader.
	"github.com/hashicorp/hcl/v2": {"validate", "optimize"},
	// The Rego evaluator for organisation policies.
	"github.com/open-policy-agent/opa": {"validate"},
}

// A heavy module is linked only by the actions that need it.
func TestHeavyModulesOnlyWhereNeeded(t *testing.T) {
	t.Parallel()
	for _, a := range ecsflow.Actions {
		t.Run(a, func(t *testing.T) {
			t.Parallel()
			deps := actionDeps(t, a)
			for mod, allowed := range heavyModules {
				if slices.Contains(allowed, a) {
					continue
				}
				for _, p := range deps {
					require.False(t, p == mod || strings.HasPrefix(p, mod+"/"), "ecsflow-%s links %s (%s); only %v may", a, mod, p, allowed)
				}
			}
		})
	}
}

// credentialChain are the SDK service packages awsconfig links for the
// default credential chain and role-to-assume; any other client belongs to
// the package that calls it, so an action that never calls S3 or CloudWatch
// does not carry their clients (docs/adr/0008-binary-budget.md).
var credentialChain = []string{"sts", "sso", "ssooidc", "signin", "internal"}

// awsconfig, which every AWS-facing action links, links no service client
// beyond the credential chain.
func TestAWSConfigLinksNoServiceClient(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+"/internal/awsconfig").CombinedOutput()
	require.NoError(t, err, "go list: %s", out)
	const services = "github.com/aws/aws-sdk-go-v2/service/"
	var bad []string
	for _, p := range strings.Fields(string(out)) {
		if rest, ok := strings.CutPrefix(p, services); ok && !slices.Contains(credentialChain, strings.SplitN(rest, "/", 2)[0]) {
			bad = append(bad, p)
		}
	}
	require.Empty(t, bad, "internal/awsconfig links service clients; give their options a package of their own, as cloudwatchclient and s3client")
}

// actionDeps lists the packages an action's binary links.
func actionDeps(t *testing.T, action string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+"/actions/"+action).CombinedOutput()
	require.NoError(t, err, "go list: %s", out)
	return strings.Fields(string(out))
}
