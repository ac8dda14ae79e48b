package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// valueRules judge attribute values; on a configuration whose values are
// all unknown they must stay silent.
func valueRule(id string) bool {
	return id >= "EF200" && id < "EF800" && id != "EF214" && id != "EF212" && id != "EF213" &&
		id != "EF210" && id != "EF209" && id != "EF206"
}

// TestUnknownValuesNeverProduceFindings loads the tfparse corpus (for_each,
// count, dynamic blocks, templatefile, heredocs, .tf.json) without var
// files, so sizes, images, ports and CIDRs come from unset variables or
// resource attributes.
func TestUnknownValuesNeverProduceFindings(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "tfparse", "testdata", "corpus", "root")
	for _, vf := range [][]string{nil, {filepath.Join(root, "env", "prod.tfvars")}} {
		tree, err := tfparse.Load([]string{root}, tfparse.Options{VarFiles: vf})
		if err != nil {
			t.Fatal(err)
		}
		res := Run(Input{Tree: tree, VarFiles: vf})
		var got []string
		for _, f := range res.Findings {
			if f.RuleID == "EF001" || f.RuleID == "EF003" {
				t.Errorf("corpus must parse: %s:%d %s", f.File, f.Line, f.Message)
			}
			if vf == nil && valueRule(f.RuleID) {
				got = append(got, f.RuleID+" "+f.Message)
			}
		}
		if len(got) > 0 {
			t.Errorf("findings from unknown values:\n%s", strings.Join(got, "\n"))
		}
	}
}

// TestUnknownFixture: everything that decides a finding is unknown.
func TestUnknownFixture(t *testing.T) {
	t.Parallel()
	res := runDir(t, "testdata/unknown", nil)
	for _, f := range res.Findings {
		if valueRule(f.RuleID) || f.RuleID == "EF204" || f.RuleID == "EF206" {
			t.Errorf("finding from an unknown value: %s %s:%d %s", f.RuleID, f.File, f.Line, f.Message)
		}
	}
}

// TestJSONConfiguration: rules see .tf.json resources, nested blocks
// written as objects or lists of objects, and templates in strings.
func TestJSONConfiguration(t *testing.T) {
	t.Parallel()
	res := runDir(t, "testdata/json", nil)
	got := map[string]bool{}
	for _, f := range res.Findings {
		got[f.RuleID+" "+f.Resource] = true
	}
	for _, want := range []string{
		"EF401 aws_ecr_repository.app",
		"EF501 aws_security_group.ssh",
		"EF201 aws_ecs_task_definition.web",
		"EF204 aws_ecs_task_definition.worker",
		"EF212 aws_ecs_service.web",
		"EF103 aws_ecs_service.missing",
	} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, got)
		}
	}
	// web's service ignores task_definition, so CI owns its image.
	for _, notWant := range []string{"EF402 aws_ecr_repository.app", "EF214 aws_ecs_service.web", "EF204 aws_ecs_task_definition.web", "EF701 aws_cloudwatch_log_group.web"} {
		if got[notWant] {
			t.Errorf("unexpected %s", notWant)
		}
	}
}
