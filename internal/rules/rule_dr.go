package rules

import (
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// The disaster-recovery rules: what restoring the stack in another region
// (docs/runbooks/dr-drill.md) needs to exist before the region is lost.

var ruleStateReplication = &Rule{
	ID: "EF751", Category: "dr", Severity: Warning,
	Title:       "State bucket not replicated to another region",
	Remediation: "Add aws_s3_bucket_replication_configuration for the state bucket with a destination bucket in another region (versioning must be on for both).",
	Doc:         "Restoring in another region starts from the Terraform state; a bucket that lives in the lost region only takes the state with it. S3 replication needs versioning on the source and the destination. A bucket that is itself a replication destination is the replica, not reported.",
	check:       checkStateReplication,
}

func checkStateReplication(c *Context) {
	bb := backendBuckets(c)
	for _, m := range c.Modules() {
		replicas := replicaBuckets(m)
		for _, b := range stateBuckets(m, bb) {
			if replicas[b.Name()] {
				continue
			}
			if b.Block("replication_configuration") == nil && companion(m, "aws_s3_bucket_replication_configuration", b.Name()) == nil {
				c.Report(b.DefRange, b.Address(), "state bucket %s is not replicated to another region", b.Address())
			}
		}
	}
}

// replicaBuckets names the aws_s3_bucket resources that a replication
// configuration of m writes to.
func replicaBuckets(m *tfparse.Module) map[string]bool {
	out := map[string]bool{}
	for _, rc := range m.ResourcesOfType("aws_s3_bucket_replication_configuration") {
		for _, rule := range rc.Blocks("rule") {
			for _, d := range rule.Blocks("destination") {
				if a := d.Attr("bucket"); a != nil {
					for _, n := range resourceRefs(a.Expr, "aws_s3_bucket") {
						out[n] = true
					}
				}
			}
		}
	}
	return out
}

var ruleLockTablePITR = &Rule{
	ID: "EF752", Category: "dr", Severity: Warning,
	Title:        "State lock table without point-in-time recovery",
	Remediation:  "Add point_in_time_recovery { enabled = true } to the lock table.",
	Doc:          "The lock table (hash key LockID, as the s3 backend requires) is recreated or restored with the state; point-in-time recovery brings back its digests after a bad write or deletion.",
	judgesValues: true,
	check:        checkLockTablePITR,
}

func checkLockTablePITR(c *Context) {
	c.EachResource("aws_dynamodb_table", func(m *tfparse.Module, t *tfparse.Instance) {
		if k, ok := knownString(t, t.Block, "hash_key"); !ok || k != "LockID" {
			return
		}
		pitr := t.NestedBlock(t.Block, "point_in_time_recovery")
		if pitr == nil {
			c.Report(t.Block.DefRange, t.Address(), "lock table %s has no point_in_time_recovery", t.Address())
			return
		}
		if v := boolAttr(t, pitr, "enabled"); v == absent || v == isFalse {
			c.Report(pitr.DefRange, t.Address(), "lock table %s: point_in_time_recovery is not enabled", t.Address())
		}
	})
}

var ruleECRReplication = &Rule{
	ID: "EF753", Category: "dr", Severity: Warning,
	Title:       "ECR images not replicated to another region",
	Remediation: "Add aws_ecr_replication_configuration with a rule whose destination is another region. When images are promoted by digest with build-push promote-from (the DR drill does), suppress with # ecsflow:ignore EF753 and say so.",
	Doc:         "Task definitions name images by digest in the primary region's registry; a restore in another region needs the same digests there, by ECR cross-region replication or by promotion.",
	check:       checkECRReplication,
}

func checkECRReplication(c *Context) {
	for _, m := range c.Modules() {
		for _, r := range m.ResourcesOfType("aws_ecr_replication_configuration") {
			for _, rc := range r.Blocks("replication_configuration") {
				for _, rule := range rc.Blocks("rule") {
					if len(rule.Blocks("destination")) > 0 {
						return
					}
				}
			}
		}
	}
	for _, m := range c.Modules() {
		if repos := m.ResourcesOfType("aws_ecr_repository"); len(repos) > 0 {
			c.Report(repos[0].DefRange, repos[0].Address(), "%s: no aws_ecr_replication_configuration copies images to another region", repos[0].Address())
		}
	}
}

var ruleEFSBackup = &Rule{
	ID: "EF754", Category: "dr", Severity: Warning,
	Title:        "EFS file system without backups",
	Remediation:  "Add aws_efs_backup_policy with backup_policy { status = \"ENABLED\" } (or an aws_backup_selection that names the file system).",
	Doc:          "Data on EFS (open-webui's database) is lost with the file system; AWS Backup's recovery points can be copied to and restored in another region.",
	judgesValues: true,
	check:        checkEFSBackup,
}

func checkEFSBackup(c *Context) {
	for _, m := range c.Modules() {
		for _, fs := range m.ResourcesOfType("aws_efs_file_system") {
			if efsBackedUp(m, fs) {
				continue
			}
			c.Report(fs.DefRange, fs.Address(), "%s has no enabled aws_efs_backup_policy and no aws_backup_selection", fs.Address())
		}
	}
}

func efsBackedUp(m *tfparse.Module, fs *tfparse.Block) bool {
	for _, p := range m.ResourcesOfType("aws_efs_backup_policy") {
		if !refersTo(p, "file_system_id", "aws_efs_file_system", fs.Name()) {
			continue
		}
		inst := m.Eval.Instances(p)[0]
		bp := inst.NestedBlock(p, "backup_policy")
		if bp == nil {
			continue
		}
		if s, ok := knownString(inst, bp, "status"); !ok || s == "ENABLED" {
			return true
		}
	}
	for _, s := range m.ResourcesOfType("aws_backup_selection") {
		if refersTo(s, "resources", "aws_efs_file_system", fs.Name()) {
			return true
		}
	}
	return false
}

var ruleSingleAZ = &Rule{
	ID: "EF755", Category: "dr", Severity: Warning,
	Title:        "Subnets in fewer than two Availability Zones",
	Remediation:  "Create the subnets in at least two Availability Zones (one per zone from a list variable).",
	Doc:          "Fargate spreads a service's tasks over the subnets it is given; with every subnet in one zone, a zone outage stops every task.",
	judgesValues: true,
	check:        checkSingleAZ,
}

func checkSingleAZ(c *Context) {
	for _, m := range c.Modules() {
		subnets := m.ResourcesOfType("aws_subnet")
		if len(subnets) == 0 {
			continue
		}
		zones := map[string]bool{}
		for _, b := range subnets {
			for _, inst := range m.Eval.Instances(b) {
				z, ok := knownString(inst, b, "availability_zone")
				if !ok {
					return // a zone known only at apply time: judge none
				}
				zones[z] = true
			}
		}
		if len(zones) < 2 {
			c.Report(subnets[0].DefRange, subnets[0].Address(), "every subnet of %s is in one Availability Zone", displayPath(m.Dir))
		}
	}
}

var ruleTaskDefsInGit = &Rule{
	ID: "EF756", Category: "dr", Severity: Warning,
	Title:       "Task definition of a CI-deployed service not in Git",
	Remediation: "Keep <service>.json (family = the service name) with the task-definition files validate reads, so the revision can be registered again from Git.",
	Doc:         "A service whose task_definition is in ignore_changes runs what CI registered; a restore in another region registers it again from the file in Git. Judged when task-definition files are given: every such service needs one, matched by family or file name.",
	check:       checkTaskDefsInGit,
}

func checkTaskDefsInGit(c *Context) {
	if len(c.in.TaskDefs) == 0 {
		return
	}
	have := map[string]bool{}
	for _, f := range c.in.TaskDefs {
		have[strings.TrimSuffix(filepath.Base(f.Path), filepath.Ext(f.Path))] = true
		var td struct {
			Family string `json:"family"`
		}
		if json.Unmarshal(f.Src, &td) == nil && td.Family != "" {
			have[td.Family] = true
		}
	}
	c.EachResource("aws_ecs_service", func(m *tfparse.Module, svc *tfparse.Instance) {
		if !ignores(svc.Block, "task_definition") {
			return
		}
		name, ok := knownString(svc, svc.Block, "name")
		if ok && !have[name] {
			c.Report(svc.Block.DefRange, svc.Address(), "%s: no task-definition file for service %s (CI deploys it, so only Git can register it again)", svc.Address(), name)
		}
	})
}
