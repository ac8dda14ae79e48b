package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// PolicyIDPrefix starts the rule ID of an organisation policy's finding:
// policy/<package>/<rule>, as validate names them.
const PolicyIDPrefix = "policy/"

var policyIDRE = regexp.MustCompile(`^policy/[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/[A-Za-z_][A-Za-z0-9_]*$`)

// ruleID normalises a rule ID written in the config or an ecsflow:ignore
// comment: a catalogue ID in upper case, or a policy's ID as written (Rego
// names are case-sensitive). It fails for a malformed policy ID, and with
// errUnknownRule (and the upper-case ID) for an ID the catalogue lacks.
func ruleID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if strings.HasPrefix(strings.ToLower(id), PolicyIDPrefix) {
		id = PolicyIDPrefix + id[len(PolicyIDPrefix):]
		if !policyIDRE.MatchString(id) {
			return "", fmt.Errorf("policy rule ID %q is not policy/<package>/<rule> (such as policy/main/deny)", id)
		}
		return id, nil
	}
	up := strings.ToUpper(id)
	if _, ok := byID[up]; !ok {
		return up, errUnknownRule
	}
	return up, nil
}

// errUnknownRule is an ID that is neither in the catalogue nor a policy's.
var errUnknownRule = errors.New("unknown rule ID")

// AddFindings adds findings made outside the catalogue (validate's
// organisation policies) to res, treated as Run treats its own: a rule the
// config turns off is dropped, the config's severity applies, and the
// inline ecsflow:ignore comments and the config's ignores suppress them.
// The findings' files are as Run reports them (relative to in.Root).
func AddFindings(in Input, res *Result, fs []Finding) {
	if in.Config == nil {
		in.Config = DefaultConfig()
	}
	// Run has reported the comments' problems already.
	sup := collectSuppressions(&in)
	for _, f := range fs {
		if !in.Config.enabled(f.RuleID) {
			continue
		}
		if sev, ok := in.Config.severityOverride(f.RuleID); ok {
			f.Severity = sev
		}
		if reason, by, ok := sup.match(f, in.Config); ok {
			f.Suppression, f.SuppressedBy = reason, by
			res.Suppressed = append(res.Suppressed, f)
			continue
		}
		res.Findings = append(res.Findings, f)
	}
	sortFindings(res.Findings)
	sortFindings(res.Suppressed)
}
