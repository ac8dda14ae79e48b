package rules

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// Config is the project's rule settings, read from a YAML file:
//
//	rules:
//	  EF209: off                 # disable a rule
//	  EF305: warning             # change its severity
//	  EF212: {enabled: true, severity: error}
//	ignore:                      # suppress findings by rule and path/resource
//	  - rule: EF401
//	    paths: ["modules/legacy/**"]
//	    resources: ["aws_ecr_repository.legacy"]
//	    reason: replaced in the next quarter
//	required-tags: [Project, Environment]
//	ci-deploys: true             # CI registers task definitions and deploys
//	production: auto             # true, false or auto (var-file or environment named prod)
type Config struct {
	Rules        map[string]RuleSetting
	Ignore       []Ignore
	RequiredTags []string
	// CIDeploys says that CI (deploy-ecs) deploys task definition revisions,
	// so services must leave task_definition to it.
	CIDeploys bool
	// Production is "true", "false" or "auto".
	Production string
}

// RuleSetting overrides one rule.
type RuleSetting struct {
	Enabled  *bool
	Severity Severity
}

// Ignore suppresses findings of one rule in some paths or resources.
type Ignore struct {
	Rule      string
	Paths     []string
	Resources []string
	Reason    string
}

// DefaultConfig is the configuration used without a config file.
func DefaultConfig() *Config {
	return &Config{Rules: map[string]RuleSetting{}, CIDeploys: true, Production: "auto"}
}

// ConfigError is a problem with the config file, with the line it is on.
type ConfigError struct {
	Line int
	Msg  string
}

// Error says what is wrong and on which line.
func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

func cfgErr(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ConfigError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// ParseConfig reads a config file. Unknown keys and unknown rule IDs are
// errors, so a typo never silently disables nothing.
func ParseConfig(data []byte) (*Config, error) {
	cfg := DefaultConfig()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &ConfigError{Msg: "not valid YAML: " + err.Error()}
	}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, cfgErr(root, "the top level must be a mapping with keys rules, ignore, required-tags, ci-deploys, production")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "rules":
			if err := parseRuleSettings(cfg, v); err != nil {
				return nil, err
			}
		case "ignore":
			if err := parseIgnores(cfg, v); err != nil {
				return nil, err
			}
		case "required-tags":
			if err := v.Decode(&cfg.RequiredTags); err != nil {
				return nil, cfgErr(v, "required-tags must be a list of tag names")
			}
		case "ci-deploys":
			if err := v.Decode(&cfg.CIDeploys); err != nil {
				return nil, cfgErr(v, "ci-deploys must be true or false")
			}
		case "production":
			switch strings.ToLower(v.Value) {
			case "true", "false", "auto":
				cfg.Production = strings.ToLower(v.Value)
			default:
				return nil, cfgErr(v, "production must be true, false or auto, not %q", v.Value)
			}
		default:
			return nil, cfgErr(k, "unknown key %q; allowed: rules, ignore, required-tags, ci-deploys, production", k.Value)
		}
	}
	return cfg, nil
}

func checkID(n *yaml.Node, id string) (string, error) {
	norm, err := ruleID(id)
	switch {
	case errors.Is(err, errUnknownRule):
		return "", cfgErr(n, "unknown rule ID %q; see docs/rules.md for the rule IDs, or write policy/<package>/<rule> for a policy's", id)
	case err != nil:
		return "", cfgErr(n, "%v", err)
	}
	return norm, nil
}

func parseRuleSettings(cfg *Config, v *yaml.Node) error {
	if v.Kind != yaml.MappingNode {
		return cfgErr(v, "rules must map rule IDs to off, on, error, warning, note or {enabled, severity}")
	}
	for j := 0; j+1 < len(v.Content); j += 2 {
		idNode, val := v.Content[j], v.Content[j+1]
		id, err := checkID(idNode, idNode.Value)
		if err != nil {
			return err
		}
		var s RuleSetting
		switch val.Kind {
		case yaml.ScalarNode:
			switch strings.ToLower(val.Value) {
			case "off", "false", "disabled":
				f := false
				s.Enabled = &f
			case "on", "true", "enabled":
				t := true
				s.Enabled = &t
			default:
				sev, err := ParseSeverity(val.Value)
				if err != nil {
					return cfgErr(val, "rule %s: %q is not off, on, error, warning or note", id, val.Value)
				}
				s.Severity = sev
			}
		case yaml.MappingNode:
			var raw struct {
				Enabled  *bool  `yaml:"enabled"`
				Severity string `yaml:"severity"`
			}
			if err := val.Decode(&raw); err != nil {
				return cfgErr(val, "rule %s: %v", id, err)
			}
			for k := 0; k+1 < len(val.Content); k += 2 {
				if key := val.Content[k].Value; key != "enabled" && key != "severity" {
					return cfgErr(val.Content[k], "rule %s: unknown key %q; allowed: enabled, severity", id, key)
				}
			}
			s.Enabled = raw.Enabled
			if raw.Severity != "" {
				sev, err := ParseSeverity(raw.Severity)
				if err != nil {
					return cfgErr(val, "rule %s: %v", id, err)
				}
				s.Severity = sev
			}
		default:
			return cfgErr(val, "rule %s: use off, on, a severity or {enabled, severity}", id)
		}
		cfg.Rules[id] = s
	}
	return nil
}

func parseIgnores(cfg *Config, v *yaml.Node) error {
	if v.Kind != yaml.SequenceNode {
		return cfgErr(v, "ignore must be a list of {rule, paths, resources, reason}")
	}
	for _, item := range v.Content {
		if item.Kind != yaml.MappingNode {
			return cfgErr(item, "each ignore entry must be a mapping with rule, reason and paths or resources")
		}
		for k := 0; k+1 < len(item.Content); k += 2 {
			switch item.Content[k].Value {
			case "rule", "paths", "resources", "reason":
			default:
				return cfgErr(item.Content[k], "unknown key %q in ignore; allowed: rule, paths, resources, reason", item.Content[k].Value)
			}
		}
		var raw struct {
			Rule      string   `yaml:"rule"`
			Paths     []string `yaml:"paths"`
			Resources []string `yaml:"resources"`
			Reason    string   `yaml:"reason"`
		}
		if err := item.Decode(&raw); err != nil {
			return cfgErr(item, "ignore entry: %v", err)
		}
		id, err := checkID(item, raw.Rule)
		if err != nil {
			return err
		}
		if strings.TrimSpace(raw.Reason) == "" {
			return cfgErr(item, "ignore entry for %s needs a reason", id)
		}
		for _, p := range raw.Paths {
			if !doublestar.ValidatePattern(p) {
				return cfgErr(item, "ignore entry for %s: bad path pattern %q", id, p)
			}
		}
		cfg.Ignore = append(cfg.Ignore, Ignore{Rule: id, Paths: raw.Paths, Resources: raw.Resources, Reason: raw.Reason})
	}
	return nil
}

func (c *Config) enabled(id string) bool {
	if s, ok := c.Rules[id]; ok && s.Enabled != nil {
		return *s.Enabled
	}
	return true
}

// severityOverride is the severity the config sets for rule id, if any;
// without one each finding keeps the severity its rule gave it.
func (c *Config) severityOverride(id string) (Severity, bool) {
	if s, ok := c.Rules[id]; ok && s.Severity != 0 {
		return s.Severity, true
	}
	return 0, false
}

// RuleIDs returns the IDs the config mentions, sorted.
func (c *Config) RuleIDs() []string {
	var out []string
	for id := range c.Rules {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (ig Ignore) matches(f Finding) bool {
	if ig.Rule != f.RuleID {
		return false
	}
	if len(ig.Paths) == 0 && len(ig.Resources) == 0 {
		return true
	}
	for _, p := range ig.Paths {
		if ok, _ := doublestar.Match(p, filepath.ToSlash(f.File)); ok {
			return true
		}
	}
	for _, r := range ig.Resources {
		if r == f.Resource || strings.HasPrefix(f.Resource, r+"[") {
			return true
		}
	}
	return false
}

func (c *Config) isProduction(in *Input) bool {
	switch c.Production {
	case "true":
		return true
	case "false":
		return false
	}
	for _, vf := range in.VarFiles {
		base := strings.ToLower(filepath.Base(vf))
		if strings.HasPrefix(base, "prod") || strings.Contains(base, "-prod") || strings.Contains(base, "_prod") || strings.Contains(base, "production") {
			return true
		}
	}
	if in.Tree != nil {
		for _, m := range in.Tree.Modules {
			if !m.Root {
				continue
			}
			for _, name := range []string{"environment", "env", "stage"} {
				if _, ok := m.Variables[name]; !ok {
					continue
				}
				v := m.Eval.VarValue(name)
				if v.IsWhollyKnown() && !v.IsNull() && v.Type().FriendlyName() == "string" {
					s := strings.ToLower(v.AsString())
					if s == "prod" || s == "production" || s == "prd" {
						return true
					}
				}
			}
		}
	}
	return false
}
