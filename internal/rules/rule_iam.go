package rules

import "strings"

var ruleAllActions = &Rule{
	ID: "EF601", Category: "iam", Severity: Error,
	Title:        "IAM policy allows every action",
	Remediation:  "List the actions the role needs instead of \"*\" (or NotAction with Allow).",
	Doc:          "Action \"*\" (or Allow with NotAction) makes the role an administrator of everything its resources cover.",
	judgesValues: true,
	check:        checkAllActions,
}

func checkAllActions(c *Context) {
	for _, s := range policyStatements(c) {
		if s.effect != "Allow" {
			continue
		}
		if s.notAction && len(s.actions) > 0 {
			c.Report(s.rng, s.addr, "%s: Allow with NotAction grants every action not listed", s.addr)
			continue
		}
		for _, a := range s.actions {
			if a == "*" || a == "*:*" {
				c.Report(s.rng, s.addr, "%s: policy allows action %q", s.addr, a)
				break
			}
		}
	}
}

var ruleServiceWildcard = &Rule{
	ID: "EF602", Category: "iam", Severity: Warning,
	Title:        "IAM policy allows every action of a service",
	Remediation:  "Replace service:* with the specific actions (e.g. s3:GetObject, s3:PutObject).",
	Doc:          "service:* includes destructive and permission-changing actions (s3:DeleteBucket, ecr:SetRepositoryPolicy) the workload never needs.",
	judgesValues: true,
	check:        checkServiceWildcard,
}

func checkServiceWildcard(c *Context) {
	for _, s := range policyStatements(c) {
		if s.effect != "Allow" || s.notAction {
			continue
		}
		for _, a := range s.actions {
			if strings.HasSuffix(a, ":*") && a != "*:*" {
				c.Report(s.rng, s.addr, "%s: policy allows every %s action", s.addr, strings.TrimSuffix(a, ":*"))
			}
		}
	}
}

var ruleWriteAnyResource = &Rule{
	ID: "EF603", Category: "iam", Severity: Note,
	Title:        "IAM policy allows write actions on every resource",
	Remediation:  "Scope Resource to the ARNs the actions need (a bucket, a repository, a log group).",
	Doc:          "Resource \"*\" with write actions lets the role change resources of other services and environments in the account. Actions that only support \"*\" (ecr:GetAuthorizationToken, cloudwatch:PutMetricData ...) and read-only actions are not reported.",
	judgesValues: true,
	check:        checkWriteAnyResource,
}

func checkWriteAnyResource(c *Context) {
	for _, s := range policyStatements(c) {
		if s.effect != "Allow" || s.notAction || !contains(s.resources, "*") {
			continue
		}
		var writes []string
		for _, a := range s.actions {
			if a == "*" || a == "*:*" || strings.HasSuffix(a, ":*") {
				continue // EF601/EF602 report these
			}
			if !readOnly(a) && !globalOnly(a) {
				writes = append(writes, a)
			}
		}
		if len(writes) > 0 {
			c.Report(s.rng, s.addr, "%s: %s allowed on Resource \"*\"", s.addr, strings.Join(writes, ", "))
		}
	}
}
