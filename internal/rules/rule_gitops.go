package rules

import (
	"regexp"
	"strings"
)

var ruleApplyTimeBuild = &Rule{
	ID: "EF801", Category: "gitops", Severity: Error,
	Title:       "Image build, push or git clone during terraform apply",
	Remediation: "Build and push images in CI (build-push), pin upstream sources by commit in the repository, and let Terraform only reference the image.",
	Doc:         "A local-exec provisioner that builds or pushes images, clones repositories or edits files with sed makes apply depend on the machine it runs on and on whatever the upstream default branch holds that day; the result cannot be reviewed or reproduced.",
	check:       checkApplyTimeBuild,
}

func checkApplyTimeBuild(c *Context) {
	for _, m := range c.Modules() {
		for _, b := range m.Blocks {
			if b.Type != "resource" {
				continue
			}
			for _, inst := range m.Eval.Instances(b) {
				for _, p := range b.Blocks("provisioner") {
					if len(p.Labels) != 1 || p.Labels[0] != "local-exec" {
						continue
					}
					a := p.Attr("command")
					if a == nil {
						continue
					}
					cmd, _ := inst.Tree(a.Expr).(string)
					if cmd == "" {
						cmd = exprText(b.File, a.Expr)
					}
					if mt := applyTimeBuild.FindString(cmd); mt != "" {
						c.Report(a.Range, inst.Address(), "%s runs %q in a local-exec provisioner during terraform apply", inst.Address(), strings.TrimSpace(mt))
						break
					}
				}
			}
		}
	}
}

var ruleUnpinnedSource = &Rule{
	ID: "EF802", Category: "gitops", Severity: Warning,
	Title:       "External source not pinned to a commit",
	Remediation: "Pin git module sources with ?ref=<40-character commit SHA> (a tag can be moved).",
	Doc:         "Tags and branches can be moved or force-pushed; only a commit SHA names exactly the code that was reviewed.",
	check:       checkUnpinnedSource,
}

func checkUnpinnedSource(c *Context) {
	for _, m := range c.Modules() {
		for _, call := range m.BlocksOfType("module") {
			src, ok := moduleSource(m, call)
			if !ok || !(gitSource.MatchString(src) || strings.Contains(src, ".git")) {
				continue
			}
			if mt := anyRef.FindStringSubmatch(src); mt != nil && !commitRef.MatchString(src) {
				c.Report(rangeOf(call, "source"), call.Address(), "%s: git ref %q is not a commit SHA", call.Address(), mt[1])
			}
		}
	}
}

// applyTimeBuild matches commands that build or push images or fetch code
// during terraform apply.
var applyTimeBuild = regexp.MustCompile(`(?i)\b(docker|podman|buildah|nerdctl)\s+(buildx\s+)?(build|bud|push)\b|\bkaniko\b|\bgit\s+clone\b|\bgit\s+(pull|fetch)\b|\baws\s+ecr\s+get-login|\bsed\s+-i\b`)
