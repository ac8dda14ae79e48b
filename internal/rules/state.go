package rules

import (
	"strings"

	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// stateBuckets returns the S3 buckets that hold Terraform state: named for
// it (bucket or resource name contains "state") or named in an s3 backend.
func stateBuckets(m *tfparse.Module, backendBuckets map[string]bool) []*tfparse.Block {
	var out []*tfparse.Block
	for _, b := range m.ResourcesOfType("aws_s3_bucket") {
		name := strings.ToLower(b.Name())
		if strings.Contains(name, "state") {
			out = append(out, b)
			continue
		}
		inst := m.Eval.Instances(b)[0]
		if a := b.Attr("bucket"); a != nil {
			if s, ok := inst.Tree(a.Expr).(string); ok {
				ls := strings.ToLower(s)
				if strings.Contains(ls, "tfstate") || strings.Contains(ls, "terraform-state") || strings.Contains(ls, "-state") || backendBuckets[s] {
					out = append(out, b)
				}
			}
		}
	}
	return out
}

// companion finds a resource of typ in m whose bucket attribute refers to
// aws_s3_bucket.name.
func companion(m *tfparse.Module, typ, bucket string) *tfparse.Block {
	for _, b := range m.ResourcesOfType(typ) {
		if refersTo(b, "bucket", "aws_s3_bucket", bucket) {
			return b
		}
	}
	return nil
}

func backendBuckets(c *Context) map[string]bool {
	out := map[string]bool{}
	for _, m := range c.Modules() {
		for _, tb := range m.BlocksOfType("terraform") {
			for _, be := range tb.Blocks("backend") {
				if s, ok := knownString(m.Eval.Instances(be)[0], be, "bucket"); ok {
					out[s] = true
				}
			}
		}
		for _, f := range tfbackendValues(m.Dir) {
			if s := f["bucket"]; s != "" {
				out[s] = true
			}
		}
	}
	return out
}

func init() {
	register(
		&Rule{ID: "EF711", Category: "state", Severity: Error,
			Title:       "State bucket without versioning",
			Remediation: "Add aws_s3_bucket_versioning with versioning_configuration { status = \"Enabled\" } for the bucket.",
			Doc:         "Versioning is the only way back from a corrupted or wrongly overwritten state file.",
			check: func(c *Context) {
				bb := backendBuckets(c)
				for _, m := range c.Modules() {
					for _, b := range stateBuckets(m, bb) {
						inst := m.Eval.Instances(b)[0]
						if v := b.Block("versioning"); v != nil && boolAttr(inst, v, "enabled") != isFalse {
							continue
						}
						ver := companion(m, "aws_s3_bucket_versioning", b.Name())
						if ver == nil {
							c.Report(b.DefRange, b.Address(), "state bucket %s has no aws_s3_bucket_versioning", b.Address())
							continue
						}
						vi := m.Eval.Instances(ver)[0]
						if vc := ver.Block("versioning_configuration"); vc != nil {
							if s, ok := knownString(vi, vc, "status"); ok && s != "Enabled" {
								c.Report(rangeOf(vc, "status"), b.Address(), "state bucket %s: versioning status is %s", b.Address(), s)
							}
						}
					}
				}
			}},
		&Rule{ID: "EF712", Category: "state", Severity: Warning,
			Title:       "State bucket without explicit encryption",
			Remediation: "Add aws_s3_bucket_server_side_encryption_configuration (aws:kms with a key you control, or AES256).",
			Doc:         "State contains secrets. S3 encrypts new objects with SSE-S3 by default, but an explicit configuration (ideally KMS with a key policy) documents and enforces it.",
			check: func(c *Context) {
				bb := backendBuckets(c)
				for _, m := range c.Modules() {
					for _, b := range stateBuckets(m, bb) {
						if b.Block("server_side_encryption_configuration") != nil {
							continue
						}
						if companion(m, "aws_s3_bucket_server_side_encryption_configuration", b.Name()) == nil {
							c.Report(b.DefRange, b.Address(), "state bucket %s has no server-side encryption configuration", b.Address())
						}
					}
				}
			}},
		&Rule{ID: "EF713", Category: "state", Severity: Error,
			Title:       "State bucket without a public access block",
			Remediation: "Add aws_s3_bucket_public_access_block with all four settings true.",
			Doc:         "A state bucket made public by a stray policy or ACL publishes every secret in the state.",
			check: func(c *Context) {
				bb := backendBuckets(c)
				for _, m := range c.Modules() {
					for _, b := range stateBuckets(m, bb) {
						pab := companion(m, "aws_s3_bucket_public_access_block", b.Name())
						if pab == nil {
							c.Report(b.DefRange, b.Address(), "state bucket %s has no aws_s3_bucket_public_access_block", b.Address())
							continue
						}
						pi := m.Eval.Instances(pab)[0]
						for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
							if v := boolAttr(pi, pab, k); v == absent || v == isFalse {
								c.Report(rangeOf(pab, k), b.Address(), "state bucket %s: %s is not true", b.Address(), k)
							}
						}
					}
				}
			}},
	)
}
