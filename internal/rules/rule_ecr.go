package rules

import (
	"strings"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

var ruleMutableTags = &Rule{
	ID: "EF401", Category: "ecr", Severity: Warning,
	Title:        "ECR repository allows mutable tags",
	Remediation:  "Set image_tag_mutability = \"IMMUTABLE\".",
	Doc:          "With mutable tags a pushed tag can be overwritten, so the image a task definition names can change after review. The default is MUTABLE.",
	judgesValues: true,
	check:        checkMutableTags,
}

func checkMutableTags(c *Context) {
	c.EachResource("aws_ecr_repository", func(m *tfparse.Module, r *tfparse.Instance) {
		if r.Block.Attr("image_tag_mutability") == nil {
			c.Report(r.Block.DefRange, r.Address(), "%s: tags are mutable (the default)", r.Address())
			return
		}
		if v, ok := knownString(r, r.Block, "image_tag_mutability"); ok && strings.HasPrefix(v, "MUTABLE") {
			c.Report(rangeOf(r.Block, "image_tag_mutability"), r.Address(), "%s: image_tag_mutability is %s", r.Address(), v)
		}
	})
}

var ruleScanOnPush = &Rule{
	ID: "EF402", Category: "ecr", Severity: Warning,
	Title:        "ECR repository does not scan on push",
	Remediation:  "Add image_scanning_configuration { scan_on_push = true } or a registry-wide aws_ecr_registry_scanning_configuration.",
	Doc:          "Scanning on push reports known vulnerabilities before the image is deployed.",
	judgesValues: true,
	check:        checkScanOnPush,
}

func checkScanOnPush(c *Context) {
	for _, m := range c.Modules() {
		if len(m.ResourcesOfType("aws_ecr_registry_scanning_configuration")) > 0 {
			return
		}
	}
	c.EachResource("aws_ecr_repository", func(m *tfparse.Module, r *tfparse.Instance) {
		sc := r.NestedBlock(r.Block, "image_scanning_configuration")
		if sc == nil {
			c.Report(r.Block.DefRange, r.Address(), "%s does not scan images on push", r.Address())
			return
		}
		if v := boolAttr(r, sc, "scan_on_push"); v == absent || v == isFalse {
			c.Report(sc.DefRange, r.Address(), "%s: scan_on_push is not true", r.Address())
		}
	})
}

var ruleForceDelete = &Rule{
	ID: "EF403", Category: "ecr", Severity: Warning,
	Title:        "ECR repository can be deleted with its images",
	Remediation:  "Remove force_delete = true.",
	Doc:          "force_delete lets terraform destroy a repository that still holds images, including the ones running in production and the ones a rollback needs.",
	judgesValues: true,
	check:        checkForceDelete,
}

func checkForceDelete(c *Context) {
	c.EachResource("aws_ecr_repository", func(m *tfparse.Module, r *tfparse.Instance) {
		if boolAttr(r, r.Block, "force_delete") == isTrue {
			c.Report(rangeOf(r.Block, "force_delete"), r.Address(), "%s sets force_delete = true", r.Address())
		}
	})
}
