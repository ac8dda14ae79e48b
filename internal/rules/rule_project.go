package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecsflow/ecsflow/internal/project"
	"github.com/ecsflow/ecsflow/internal/suggest"
	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// ProjectFile is a repository's ecsflow.yaml (docs/ecsflow-yaml.md), as
// project.Parse read it, for the services rules EF821–EF827.
type ProjectFile struct {
	// Path is the file as findings name it.
	Path     string
	Config   *project.Config
	Problems project.Problems
	// Exists says whether a path the file names (relative to the
	// repository root) exists as a directory (dir) or a file; nil skips
	// the checks of files.
	Exists func(p string, dir bool) bool
}

var ruleProjectSyntax = &Rule{
	ID: "EF821", Category: "services", Severity: Error,
	Title:       "ecsflow.yaml is not valid",
	Remediation: "Fix the file as the message says; docs/ecsflow-yaml.md lists the keys and docs/ecsflow.schema.json is its JSON Schema.",
	Doc:         "The reusable workflows build and deploy what ecsflow.yaml says; a file that is not YAML, lacks a required key (version, services, an image's context, a service's image or task-definition) or gives a value of the wrong type stops them.",
	check:       projectProblems(project.KindSyntax, project.KindMissing),
}

var ruleProjectUnknownKey = &Rule{
	ID: "EF822", Category: "services", Severity: Error,
	Title:       "Unknown key in ecsflow.yaml",
	Remediation: "Use the key the message suggests, or remove it.",
	Doc:         "A misspelt key (stratgy:, task-defintion:) would otherwise be ignored and the service deployed with defaults.",
	check:       projectProblems(project.KindUnknownKey),
}

var ruleProjectUnknownImage = &Rule{
	ID: "EF823", Category: "services", Severity: Error,
	Title:       "Service runs an image ecsflow.yaml does not declare",
	Remediation: "Name an entry of images in the service's image, or declare the image.",
	Doc:         "A service's image must be one of images: that is what gets built and set on its container.",
	check:       projectProblems(project.KindUnknownImage),
}

var ruleProjectMissingFile = &Rule{
	ID: "EF824", Category: "services", Severity: Error,
	Title:       "Build context, Dockerfile or task definition named in ecsflow.yaml does not exist",
	Remediation: "Correct the path (relative to the repository root) or add the file.",
	Doc:         "The build and deploy jobs read these paths; a wrong one fails them only after a merge.",
	check:       checkProjectFiles,
}

var ruleProjectStrategy = &Rule{
	ID: "EF825", Category: "services", Severity: Error,
	Title:       "Strategy in ecsflow.yaml is not one of ECS's",
	Remediation: "Use rolling, blue-green, canary or linear, or leave strategy out to keep the service's own.",
	Doc:         "ECS deploys with ROLLING, BLUE_GREEN, CANARY or LINEAR (the deployment configuration's strategy); deploy-ecs spells them rolling, blue-green, canary and linear.",
	check:       projectProblems(project.KindStrategy),
}

var ruleProjectEnvironment = &Rule{
	ID: "EF826", Category: "services", Severity: Error,
	Title:       "Environment in ecsflow.yaml without a cluster, or a strategy for an undeclared environment",
	Remediation: "Give each environment its cluster, and name only declared environments (or default) in strategies.",
	Doc:         "The deploy workflows take the environment's cluster from the file; a strategy for an environment that does not exist (prd for prod) would silently never apply.",
	check:       projectProblems(project.KindEnvironment),
}

var ruleProjectServiceNotInTerraform = &Rule{
	ID: "EF827", Category: "services", Severity: Warning,
	Title:       "Service in ecsflow.yaml is not an aws_ecs_service of the Terraform configuration",
	Remediation: "Use the ECS service's name (the name argument of its aws_ecs_service), or add the service to Terraform.",
	Doc:         "deploy-ecs updates services by name; one that Terraform does not create fails the deployment. Checked only when the Terraform configuration declares services whose names are all known before apply.",
	check:       checkProjectServicesInTerraform,
}

// projectProblems reports the problems of the given kinds that Parse found.
func projectProblems(kinds ...project.Kind) func(c *Context) {
	return func(c *Context) {
		pf := c.in.Project
		if pf == nil {
			return
		}
		for _, p := range pf.Problems {
			if slices.Contains(kinds, p.Kind) {
				c.ReportAt(pf.Path, p.Line, p.Column, "", "%s", p.Message)
			}
		}
	}
}

func checkProjectFiles(c *Context) {
	pf := c.in.Project
	if pf == nil || pf.Config == nil || pf.Exists == nil {
		return
	}
	missing := func(at project.Pos, what, p string, dir bool) {
		if p != "" && !pf.Exists(p, dir) {
			kind := "file"
			if dir {
				kind = "directory"
			}
			c.ReportAt(pf.Path, at.Line, at.Column, "", "%s %s does not exist (a %s relative to the repository root)", what, p, kind)
		}
	}
	for _, img := range pf.Config.Images {
		missing(img.At["context"], "image "+img.Name+": context", img.Context, true)
		if img.Context != "" && pf.Exists(img.Context, true) {
			at := img.At["dockerfile"]
			if at.Line == 0 {
				at = img.At["context"]
			}
			missing(at, "image "+img.Name+": dockerfile", img.DockerfilePath(), false)
		}
	}
	for _, s := range pf.Config.Services {
		missing(s.At["task-definition"], "service "+s.Name+": task-definition", s.TaskDefinition, false)
	}
}

func checkProjectServicesInTerraform(c *Context) {
	pf := c.in.Project
	if pf == nil || pf.Config == nil {
		return
	}
	names, ok := terraformServiceNames(c)
	if !ok || len(names) == 0 {
		return
	}
	for _, s := range pf.Config.Services {
		if slices.Contains(names, s.Name) {
			continue
		}
		hint := ""
		if close := suggest.Close(s.Name, names); len(close) > 0 {
			hint = fmt.Sprintf(" (did you mean %q?)", close[0])
		}
		c.ReportAt(pf.Path, s.Pos.Line, s.Pos.Column, "", "service %s is not the name of an aws_ecs_service in the Terraform configuration%s; Terraform's services: %s", s.Name, hint, strings.Join(names, ", "))
	}
}

// terraformServiceNames are the name arguments of every aws_ecs_service
// instance; ok is false when one is known only at apply time.
func terraformServiceNames(c *Context) (names []string, ok bool) {
	ok = true
	c.EachResource("aws_ecs_service", func(_ *tfparse.Module, inst *tfparse.Instance) {
		n, known := knownString(inst, inst.Block, "name")
		if !known {
			ok = false
			return
		}
		names = append(names, n)
	})
	slices.Sort(names)
	return slices.Compact(names), ok
}
