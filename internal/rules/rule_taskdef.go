package rules

import (
	"regexp"
	"strings"

	"github.com/ecsflow/ecsflow/internal/planjson"
	"github.com/ecsflow/ecsflow/internal/tfparse"
)

var ruleFargateSize = &Rule{
	ID: "EF201", Category: "ecs", Severity: Error,
	Title:        "Invalid Fargate cpu/memory combination",
	Remediation:  "Pick a documented Fargate task size, e.g. cpu 512 with memory 1024-4096, cpu 1024 with 2048-8192.",
	Doc:          "Fargate accepts only fixed cpu/memory pairs (0.25 to 16 vCPU). RegisterTaskDefinition rejects other pairs, so a plan that looks fine fails at apply. Values may be numbers or strings such as \"1 vCPU\" and \"2 GB\".",
	judgesValues: true,
	check:        checkFargateSize,
}

func checkFargateSize(c *Context) {
	for _, td := range c.in.taskDefs() {
		if !td.fargate || !td.cpuKnown || !td.memKnown {
			continue
		}
		cpu, ok1 := planjson.ParseCPU(td.cpu)
		mem, ok2 := planjson.ParseMemory(td.memory)
		switch {
		case !ok1:
			c.Report(td.sizeRange, td.address, "%s: cpu %q is not a number of CPU units or a vCPU value", td.address, td.cpu)
		case !ok2:
			c.Report(td.sizeRange, td.address, "%s: memory %q is not a number of MiB or a GB value", td.address, td.memory)
		case fargateSizes[cpu] == struct{ min, max, step int }{}:
			c.Report(td.sizeRange, td.address, "%s: cpu %d is not a Fargate size; use 256, 512, 1024, 2048, 4096, 8192 or 16384", td.address, cpu)
		case !ValidFargateSize(cpu, mem):
			c.Report(td.sizeRange, td.address, "%s: memory %d MiB is not valid with cpu %d on Fargate; allowed: %s", td.address, mem, cpu, fargateAllowed(cpu))
		}
	}
}

var ruleFargatePlatform = &Rule{
	ID: "EF202", Category: "ecs", Severity: Error,
	Title:        "Invalid runtime platform or network mode for Fargate",
	Remediation:  "Use cpu_architecture X86_64 or ARM64, a supported operating_system_family (LINUX, WINDOWS_SERVER_...) and network_mode awsvpc.",
	Doc:          "Fargate runs tasks only in awsvpc network mode, on X86_64 or ARM64, with LINUX or a WINDOWS_SERVER_* family; ARM64 is Linux only.",
	judgesValues: true,
	check:        checkFargatePlatform,
}

func checkFargatePlatform(c *Context) {
	for _, td := range c.in.taskDefs() {
		if td.arch != "" && td.arch != "X86_64" && td.arch != "ARM64" {
			c.Report(td.archRange, td.address, "%s: cpu_architecture %q is not valid; use X86_64 or ARM64", td.address, td.arch)
		}
		if td.os != "" && td.os != "LINUX" && !strings.HasPrefix(td.os, "WINDOWS_SERVER_") {
			c.Report(td.osRange, td.address, "%s: operating_system_family %q is not valid; use LINUX or WINDOWS_SERVER_2022_CORE and the like", td.address, td.os)
		}
		if td.arch == "ARM64" && strings.HasPrefix(td.os, "WINDOWS") {
			c.Report(td.archRange, td.address, "%s: ARM64 is available only with LINUX on Fargate", td.address)
		}
		if td.fargate && td.networkMode != "" && td.networkMode != "awsvpc" {
			c.Report(td.sizeRange, td.address, "%s: network_mode %q is not supported on Fargate; use awsvpc", td.address, td.networkMode)
		}
	}
}

var ruleEssentialContainer = &Rule{
	ID: "EF203", Category: "ecs", Severity: Error,
	Title:        "Task definition has no essential container",
	Remediation:  "Mark the main container essential = true (the default when omitted).",
	Doc:          "ECS requires at least one essential container; a task whose containers are all non-essential is rejected.",
	judgesValues: true,
	check:        checkEssentialContainer,
}

func checkEssentialContainer(c *Context) {
	for _, td := range c.in.taskDefs() {
		cs := td.containers
		if !cs.known || cs.invalid != "" || len(cs.containers) == 0 {
			continue
		}
		essential := false
		for _, ctr := range cs.containers {
			if treeBool(ctr, "essential") != isFalse {
				essential = true
			}
		}
		if !essential {
			c.Report(cs.locate(`essential`), td.address, "%s: every container sets essential = false; ECS needs one essential container", td.address)
		}
	}
}

var ruleMutableImage = &Rule{
	ID: "EF204", Category: "ecs", Severity: Error,
	Title:        "Container image is not an immutable reference",
	Remediation:  "Reference images by digest (repo@sha256:...) or an immutable version tag; let CI own the task definition if it injects the image.",
	Doc:          "An image without a tag, or tagged :latest, changes under the same name: a scale-out or a restart can run different code than what was reviewed, and a rollback cannot return to the old image. Task definitions declared CI-owned (the service ignores task_definition changes) are skipped: their Terraform revision is only a placeholder. In task-definition JSON files (which CI registers, setting the image it built) a bare image name is taken as a placeholder; an explicit :latest is still reported.",
	judgesValues: true,
	check:        checkMutableImage,
}

func checkMutableImage(c *Context) {
	for _, td := range c.in.taskDefs() {
		if td.ciOwned {
			continue
		}
		for i, ctr := range td.containers.containers {
			img, ok := ctr["image"].(string)
			if !ok {
				continue
			}
			reason, bad := imageMutable(img)
			if bad && td.jsonFile && !strings.HasSuffix(img, ":latest") {
				bad = false // a placeholder deploy-ecs replaces
			}
			if bad {
				c.Report(td.containers.locate(strings.ReplaceAll(img, tfparse.UnknownText, "")), td.address,
					"%s: container %s image %q %s", td.address, containerName(ctr, i), strings.ReplaceAll(img, tfparse.UnknownText, "${...}"), reason)
			}
		}
	}
}

var ruleLogging = &Rule{
	ID: "EF206", Category: "ecs", Severity: Warning,
	Title:       "Container logs are not sent to a managed log group",
	Remediation: "Set logConfiguration with logDriver awslogs and awslogs-group pointing at an aws_cloudwatch_log_group managed in Terraform (with retention).",
	Doc:         "Without a log configuration, output of failing tasks is lost, which is exactly when it is needed. A log group created on the fly (awslogs-create-group) has no retention and no owner.",
	check:       checkLogging,
}

var rulePlainSecret = &Rule{
	ID: "EF207", Category: "ecs", Severity: Error,
	Title:        "Secret passed as a plain environment variable",
	Remediation:  "Move the value to Secrets Manager or SSM Parameter Store and reference it under secrets (valueFrom).",
	Doc:          "Environment values are stored in clear text in the task definition (and in Terraform state) and shown to anyone who can describe it.",
	judgesValues: true,
	check:        checkPlainSecret,
}

func checkPlainSecret(c *Context) {
	for _, td := range c.in.taskDefs() {
		for i, ctr := range td.containers.containers {
			for _, e := range treeList(ctr["environment"]) {
				kv := treeMap(e)
				name, ok := treeString(kv, "name")
				if !ok || !secretName.MatchString(name) || notASecret.MatchString(name) {
					continue
				}
				val, ok := treeString(kv, "value")
				if !ok || val == "" || strings.HasPrefix(val, "arn:") {
					continue
				}
				c.Report(td.containers.locate(name), td.address, "%s: container %s passes %s as a plain environment value", td.address, containerName(ctr, i), name)
			}
		}
	}
}

var rulePrivileged = &Rule{
	ID: "EF208", Category: "ecs", Severity: Error,
	Title:        "Privileged container",
	Remediation:  "Remove privileged = true; Fargate does not allow it and it grants root on the host elsewhere.",
	Doc:          "Fargate rejects privileged containers, and on EC2 they give the container full host access.",
	judgesValues: true,
	check:        checkPrivileged,
}

func checkPrivileged(c *Context) {
	for _, td := range c.in.taskDefs() {
		for i, ctr := range td.containers.containers {
			if treeBool(ctr, "privileged") == isTrue {
				c.Report(td.containers.locate("privileged"), td.address, "%s: container %s is privileged", td.address, containerName(ctr, i))
			}
		}
	}
}

var ruleWritableRootFilesystem = &Rule{
	ID: "EF209", Category: "ecs", Severity: Note,
	Title:       "Container root filesystem is writable",
	Remediation: "Set readonlyRootFilesystem = true and mount a volume for paths the app writes (e.g. /tmp).",
	Doc:         "A read-only root filesystem stops an attacker from persisting tools in the container and catches apps that write where they should not.",
	check:       checkWritableRootFilesystem,
}

func checkWritableRootFilesystem(c *Context) {
	for _, td := range c.in.taskDefs() {
		for i, ctr := range td.containers.containers {
			if v := treeBool(ctr, "readonlyRootFilesystem"); v == absent || v == isFalse {
				c.Report(td.containers.locate(`readonlyRootFilesystem`), td.address, "%s: container %s has a writable root filesystem", td.address, containerName(ctr, i))
			}
		}
	}
}

var ruleHealthCheck = &Rule{
	ID: "EF210", Category: "ecs", Severity: Note,
	Title:       "Essential container has no health check",
	Remediation: "Add a healthCheck (command, interval, retries, startPeriod) so ECS replaces unhealthy tasks and deployments see failures.",
	Doc:         "Without a container health check ECS only notices crashes; a hung process keeps serving errors and a deployment of a broken image can look healthy.",
	check:       checkHealthCheck,
}

func checkHealthCheck(c *Context) {
	for _, td := range c.in.taskDefs() {
		for i, ctr := range td.containers.containers {
			if treeBool(ctr, "essential") == isFalse {
				continue
			}
			if _, ok := ctr["healthCheck"]; !ok {
				c.Report(td.containers.locate(`healthCheck`), td.address, "%s: essential container %s has no healthCheck", td.address, containerName(ctr, i))
			}
		}
	}
}

var ruleSharedRole = &Rule{
	ID: "EF211", Category: "ecs", Severity: Warning,
	Title:        "Execution role and task role are the same",
	Remediation:  "Use a separate execution role (image pull, logs, secrets) and a task role with only what the app needs.",
	Doc:          "The execution role is used by the ECS agent; the task role by the application. Sharing one role gives the app the agent's permissions, such as reading every secret of the service.",
	judgesValues: true,
	check:        checkSharedRole,
}

func checkSharedRole(c *Context) {
	for _, td := range c.in.taskDefs() {
		if td.execRole != "" && td.execRole == td.taskRole {
			c.Report(td.roleRange, td.address, "%s: execution_role_arn and task_role_arn are the same role", td.address)
		}
	}
}

// notASecret are names that point at a secret rather than hold one.
var notASecret = regexp.MustCompile(`(?i)(_FILE|_PATH|_NAME|_ARN|_URL|_URI|_ID|_REF|_HEADER)$`)

var secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_KEY)`)

// imageMutable says whether an image reference can change under the same
// name: no digest and a missing or "latest" tag.
func imageMutable(image string) (reason string, mutable bool) {
	if strings.Contains(image, "@sha256:") {
		return "", false
	}
	// The known tail after the last unknown part.
	tail := image
	if i := strings.LastIndex(image, tfparse.UnknownText); i >= 0 {
		tail = image[i+len(tfparse.UnknownText):]
		if !strings.Contains(tail, ":") {
			return "", false // tag unknown until apply
		}
	}
	lastSlash := strings.LastIndex(tail, "/")
	name := tail[lastSlash+1:]
	colon := strings.LastIndex(name, ":")
	if colon < 0 {
		if strings.Contains(image, tfparse.UnknownText) {
			return "", false
		}
		return "has no tag, so it means :latest", true
	}
	tag := name[colon+1:]
	if tfparse.HasUnknown(tag) || tag == "" {
		return "", false
	}
	if tag == "latest" {
		return "uses the :latest tag", true
	}
	return "", false
}

func checkLogging(c *Context) {
	// Names of log groups managed here (all must be known to judge a
	// literal awslogs-group).
	managed := map[string]bool{}
	allKnown := true
	c.EachResource("aws_cloudwatch_log_group", func(m *tfparse.Module, inst *tfparse.Instance) {
		if n, ok := knownString(inst, inst.Block, "name"); ok {
			managed[n] = true
		} else {
			allKnown = false
		}
	})
	haveTerraform := len(c.Modules()) > 0
	for _, td := range c.in.taskDefs() {
		for i, ctr := range td.containers.containers {
			lc, has := ctr["logConfiguration"]
			if !has {
				c.Report(td.containers.locate(`"name"`), td.address, "%s: container %s has no logConfiguration; its output is lost", td.address, containerName(ctr, i))
				continue
			}
			lm := treeMap(lc)
			if lm == nil {
				continue
			}
			driver, ok := treeString(lm, "logDriver")
			if !ok {
				continue
			}
			if driver != "awslogs" && driver != "awsfirelens" {
				c.Report(td.containers.locate(driver), td.address, "%s: container %s logs with %q; use awslogs (or awsfirelens) to keep logs in CloudWatch", td.address, containerName(ctr, i), driver)
				continue
			}
			if driver != "awslogs" {
				continue
			}
			opts := treeMap(lm["options"])
			if treeBool(opts, "awslogs-create-group") == isTrue {
				c.Report(td.containers.locate("awslogs-create-group"), td.address, "%s: container %s creates its log group on the fly (no retention, no owner)", td.address, containerName(ctr, i))
				continue
			}
			group, ok := treeString(opts, "awslogs-group")
			if ok && haveTerraform && allKnown && !managed[group] {
				c.Report(td.containers.locate(group), td.address, "%s: container %s logs to %q, which no aws_cloudwatch_log_group here manages", td.address, containerName(ctr, i), group)
			}
		}
	}
}
