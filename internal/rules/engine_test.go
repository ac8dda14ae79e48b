package rules

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

func runDir(t *testing.T, dir string, cfg *Config) Result {
	t.Helper()
	tree, err := tfparse.Load([]string{dir}, tfparse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Run(Input{Tree: tree, Config: cfg})
}

func ids(fs []Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID+"@"+filepath.Base(f.File)+":"+itoa(f.Line))
	}
	return strings.Join(out, " ")
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestInlineSuppressions(t *testing.T) {
	t.Parallel()
	res := runDir(t, "testdata/suppress", nil)
	got := map[string]string{}
	for _, f := range res.Suppressed {
		got[f.RuleID+"@"+itoa(f.Line)] = f.Suppression
		if f.SuppressedBy != "inline" {
			t.Errorf("%s suppressed by %q", f.RuleID, f.SuppressedBy)
		}
	}
	want := map[string]string{
		"EF401@2": "legacy repository, removed next quarter",
		"EF402@2": "legacy repository, removed next quarter",
		"EF403@8": "scratch repository for load tests",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("suppressed %s: got reason %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if len(res.Suppressed) != len(want) {
		t.Errorf("suppressed %d findings, want %d: %v", len(res.Suppressed), len(want), got)
	}
	// The repositories without a comment are still reported.
	active := ids(res.Findings)
	for _, w := range []string{"EF401@main.tf:6", "EF401@main.tf:11", "EF402@main.tf:11", "EF701@main.tf:15"} {
		if !strings.Contains(active, w) {
			t.Errorf("missing active finding %s in %s", w, active)
		}
	}
}

func TestConfigDisablesOverridesAndIgnores(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig([]byte(`
rules:
  EF402: off
  EF701: error
  EF403: {enabled: true, severity: note}
ignore:
  - rule: EF401
    resources: [aws_ecr_repository.kept]
    reason: kept for the migration
  - rule: EF401
    paths: ["**/suppress/*.tf"]
    reason: whole directory
`))
	if err != nil {
		t.Fatal(err)
	}
	res := runDir(t, "testdata/suppress", cfg)
	for _, f := range res.Findings {
		switch f.RuleID {
		case "EF402":
			t.Errorf("EF402 is disabled but reported: %+v", f)
		case "EF401":
			t.Errorf("EF401 is ignored by config but reported: %+v", f)
		case "EF701":
			if f.Severity != Error {
				t.Errorf("EF701 severity %s, want error", f.Severity)
			}
		}
	}
	reasons := map[string]bool{}
	for _, f := range res.Suppressed {
		reasons[f.Suppression] = true
		if f.Suppression == "kept for the migration" && f.SuppressedBy != "config" {
			t.Errorf("config ignore marked %q", f.SuppressedBy)
		}
	}
	if !reasons["kept for the migration"] || !reasons["whole directory"] {
		t.Errorf("config ignores not applied: %v", reasons)
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, yaml, want string }{
		{"unknown rule", "rules:\n  EF999: off\n", `line 2: unknown rule ID "EF999"`},
		{"unknown ignore rule", "ignore:\n  - rule: XX1\n    reason: r\n", `unknown rule ID "XX1"`},
		{"policy ID without its rule", "rules:\n  policy/main: off\n", `line 2: policy rule ID "policy/main" is not policy/<package>/<rule>`},
		{"policy ID with a bad package", "ignore:\n  - rule: policy/org-x/deny\n    reason: r\n", `policy rule ID "policy/org-x/deny" is not`},
		{"ignore without reason", "ignore:\n  - rule: EF401\n", "needs a reason"},
		{"bad severity", "rules:\n  EF401: loud\n", `"loud" is not off, on, error, warning or note`},
		{"unknown key", "rulez: {}\n", `unknown key "rulez"`},
		{"bad production", "production: maybe\n", "production must be true, false or auto"},
		{"not yaml", "rules: [\n", "not valid YAML"},
		{"bad rule key", "rules:\n  EF401: {level: error}\n", `unknown key "level"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tc.yaml))
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(nil)
	if err != nil || !cfg.CIDeploys || cfg.Production != "auto" {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, err = ParseConfig([]byte("ci-deploys: false\nproduction: true\nrequired-tags: [A]\n"))
	if err != nil || cfg.CIDeploys || cfg.Production != "true" || len(cfg.RequiredTags) != 1 {
		t.Fatalf("got %+v %v", cfg, err)
	}
}
