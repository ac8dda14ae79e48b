package sarif

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ecsflow/ecsflow/internal/rules"
)

func loadValidator(t *testing.T) *schemaValidator {
	t.Helper()
	schema, err := os.ReadFile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := newSchemaValidator(schema)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sample() rules.Result {
	return rules.Result{
		Findings: []rules.Finding{
			{RuleID: "EF201", Severity: rules.Error, Title: "Invalid Fargate cpu/memory combination", Message: "memory 512 MiB is not valid with cpu 512",
				File: "infra/ecs.tf", Line: 12, Column: 3, EndLine: 12, EndColumn: 20, Resource: "aws_ecs_task_definition.app", Remediation: "pick a size"},
			{RuleID: "EF002", Severity: rules.Warning, Message: "not formatted", File: "infra/my dir/main.tf", Line: 1, Column: 1},
			{RuleID: "EF911", Severity: rules.Error, Message: "bad workflow", File: ".github/workflows/ci.yml", Line: 4, Column: 5},
		},
		Suppressed: []rules.Finding{
			{RuleID: "EF901", Severity: rules.Error, Message: "destroys", File: "/home/runner/work/_temp/plan.json", Line: 3, Column: 1, Suppression: "planned", SuppressedBy: "config"},
			{RuleID: "EF401", Severity: rules.Warning, Message: "mutable", File: "infra/ecr.tf", Line: 2, Column: 1, Suppression: "legacy", SuppressedBy: "inline"},
		},
	}
}

func TestBuildIsSchemaValid(t *testing.T) {
	t.Parallel()
	v := loadValidator(t)
	for _, res := range []rules.Result{sample(), {}} {
		var buf bytes.Buffer
		if err := Write(&buf, Build(res, Options{ToolVersion: "v1.2.3", HelpURI: "https://example.com/rules.md", Category: "validate"})); err != nil {
			t.Fatal(err)
		}
		if errs := v.Validate(buf.Bytes()); len(errs) > 0 {
			t.Fatalf("SARIF violates the 2.1.0 schema:\n%s", strings.Join(errs, "\n"))
		}
	}
}

// TestValidatorCatchesViolations proves the validator is not a no-op.
func TestValidatorCatchesViolations(t *testing.T) {
	t.Parallel()
	v := loadValidator(t)
	cases := map[string]string{
		"missing version": `{"runs": []}`,
		"bad version":     `{"version": "2.0.0", "runs": []}`,
		"bad level":       `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`,
		"line zero":       `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}, "region": {"startLine": 0}}}]}]}]}`,
		"unknown field":   `{"version": "2.1.0", "runs": [], "extra": 1}`,
		"no driver name":  `{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}`,
	}
	for name, doc := range cases {
		if errs := v.Validate([]byte(doc)); len(errs) == 0 {
			t.Errorf("%s: validator accepted an invalid document", name)
		}
	}
	if errs := v.Validate([]byte(`{"version": "2.1.0", "runs": []}`)); len(errs) > 0 {
		t.Errorf("minimal valid document rejected: %v", errs)
	}
}

func TestBuildContent(t *testing.T) {
	t.Parallel()
	log := Build(sample(), Options{ToolVersion: "v1.2.3", HelpURI: "https://example.com/rules.md"})
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(rules.Catalogue()) {
		t.Errorf("driver lists %d rules, want every rule", len(run.Tool.Driver.Rules))
	}
	if len(run.Results) != 5 {
		t.Fatalf("results: %d", len(run.Results))
	}
	r0 := run.Results[0]
	if r0.RuleID != "EF201" || run.Tool.Driver.Rules[r0.RuleIndex].ID != "EF201" || r0.Level != "error" {
		t.Errorf("result 0: %+v", r0)
	}
	loc := r0.Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != "infra/ecs.tf" || loc.Region.StartLine != 12 || loc.Region.EndColumn != 20 {
		t.Errorf("location: %+v %+v", loc.ArtifactLocation, loc.Region)
	}
	if u := run.Results[1].Locations[0].PhysicalLocation.ArtifactLocation.URI; u != "infra/my%20dir/main.tf" {
		t.Errorf("uri not encoded: %s", u)
	}
	if u := run.Results[3].Locations[0].PhysicalLocation.ArtifactLocation; u.URI != "file:///home/runner/work/_temp/plan.json" || u.URIBaseID != "" {
		t.Errorf("absolute path: %+v", u)
	}
	if s := run.Results[3].Suppressions; len(s) != 1 || s[0].Justification != "planned" || s[0].Kind != "external" {
		t.Errorf("suppression: %+v", s)
	}
	if s := run.Results[4].Suppressions; len(s) != 1 || s[0].Kind != "inSource" || s[0].Justification != "legacy" {
		t.Errorf("suppression: %+v", s)
	}
	rule := run.Tool.Driver.Rules[r0.RuleIndex]
	if rule.HelpURI != "https://example.com/rules.md#ef201" || rule.DefaultConfiguration.Level != "error" || rule.Help.Text == "" {
		t.Errorf("rule metadata: %+v", rule)
	}
	b, _ := json.Marshal(log)
	if !strings.Contains(string(b), `"ecsflowFinding/v1"`) {
		t.Error("no partial fingerprints")
	}
	// Fingerprints ignore the line, so moved code keeps its alert.
	moved := sample()
	moved.Findings[0].Line = 40
	if fingerprint(moved.Findings[0]) != fingerprint(sample().Findings[0]) {
		t.Error("fingerprint depends on the line")
	}
}

// A finding whose rule is not in the catalogue (an organisation policy)
// gets a descriptor of its own, and its result points at it.
func TestBuildDescribesRulesOutsideTheCatalogue(t *testing.T) {
	t.Parallel()
	res := rules.Result{Findings: []rules.Finding{
		{RuleID: "policy/org.tags/deny", Severity: rules.Error, Title: "policy org.tags.deny", Message: "no owner", File: "infra/ecs.tf", Line: 3},
		{RuleID: "policy/org.tags/warn", Severity: rules.Warning, Title: "policy org.tags.warn", Message: "no team", File: "infra/ecs.tf", Line: 9},
		{RuleID: "policy/org.tags/deny", Severity: rules.Error, Title: "policy org.tags.deny", Message: "no cost-centre", File: "infra/ecs.tf", Line: 12},
	}}
	log := Build(res, Options{ToolVersion: "v1.2.3"})
	run := log.Runs[0]
	if got, want := len(run.Tool.Driver.Rules), len(rules.Catalogue())+2; got != want {
		t.Fatalf("driver lists %d rules, want %d (the catalogue and two policy rules)", got, want)
	}
	for i, r := range run.Results {
		d := run.Tool.Driver.Rules[r.RuleIndex]
		if d.ID != r.RuleID {
			t.Errorf("result %d (%s) points at rule %s", i, r.RuleID, d.ID)
		}
		if d.ShortDescription.Text == "" || d.DefaultConfiguration.Level == "" {
			t.Errorf("descriptor of %s is incomplete: %+v", d.ID, d)
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, log); err != nil {
		t.Fatal(err)
	}
	if errs := loadValidator(t).Validate(buf.Bytes()); len(errs) > 0 {
		t.Errorf("not schema-valid: %v", errs)
	}
}
