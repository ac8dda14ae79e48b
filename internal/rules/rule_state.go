package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ecsflow/ecsflow/internal/tfparse"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var ruleLocalState = &Rule{
	ID: "EF110", Category: "state", Severity: Warning,
	Title:       "Root module keeps its state locally",
	Remediation: "Configure a remote backend (s3 with use_lockfile or a DynamoDB table, or HCP Terraform) so state is shared and locked.",
	Doc:         "Local state lives on one machine or CI runner: it is lost with it, cannot be locked, and every environment needs its own copy. A bootstrap root that creates the state bucket itself is not reported.",
	check:       checkLocalState,
}

func checkLocalState(c *Context) {
	bb := backendBuckets(c)
	for _, m := range c.Modules() {
		if !m.Root || len(m.Files) == 0 || len(m.Resources) == 0 {
			continue
		}
		if len(stateBuckets(m, bb)) > 0 {
			// A bootstrap stack that creates the state bucket
			// cannot keep its own state in it before it exists.
			continue
		}
		remote := false
		var local *tfparse.Block
		for _, tb := range m.BlocksOfType("terraform") {
			if tb.Block("cloud") != nil {
				remote = true
			}
			for _, be := range tb.Blocks("backend") {
				if len(be.Labels) == 1 && be.Labels[0] == "local" {
					local = be
				} else {
					remote = true
				}
			}
		}
		switch {
		case local != nil:
			c.Report(local.DefRange, "", "root module %s uses the local backend", displayPath(m.Dir))
		case !remote:
			c.ReportAt(m.Files[0].Path, 1, 1, "", "root module %s has no backend: state stays on the machine that applies", displayPath(m.Dir))
		}
	}
}

var ruleBackendEncryption = &Rule{
	ID: "EF111", Category: "state", Severity: Error,
	Title:       "S3 backend without encryption",
	Remediation: "Set encrypt = true (and optionally kms_key_id) in the s3 backend or in every *.tfbackend file.",
	Doc:         "State holds every attribute of every resource, secrets included. encrypt = true makes Terraform write it with server-side encryption.",
	check:       checkBackendEncryption,
}

func checkBackendEncryption(c *Context) {
	eachS3Backend(c, func(be *tfparse.Block, setting func(name string) (string, bool)) {
		if v, known := setting("encrypt"); known && v != "true" {
			c.Report(be.DefRange, "", "s3 backend does not set encrypt = true")
		}
	})
}

// eachS3Backend calls fn for every backend "s3" block with a lookup of its
// settings (the block, or the module's *.tfbackend files).
func eachS3Backend(c *Context, fn func(be *tfparse.Block, setting func(name string) (string, bool))) {
	for _, m := range c.Modules() {
		files := tfbackendValues(m.Dir)
		for _, tb := range m.BlocksOfType("terraform") {
			for _, be := range tb.Blocks("backend") {
				if len(be.Labels) != 1 || be.Labels[0] != "s3" {
					continue
				}
				fn(be, func(name string) (string, bool) { return backendSetting(m, be, name, files) })
			}
		}
	}
}

var ruleBackendLocking = &Rule{
	ID: "EF112", Category: "state", Severity: Error,
	Title:       "S3 backend without state locking",
	Remediation: "Set use_lockfile = true (Terraform >= 1.10) or dynamodb_table in the s3 backend.",
	Doc:         "Without a lock two applies (two CI runs, a person and CI) write the state at the same time and one loses its changes.",
	check:       checkBackendLocking,
}

func checkBackendLocking(c *Context) {
	eachS3Backend(c, func(be *tfparse.Block, setting func(name string) (string, bool)) {
		lf, knownLF := setting("use_lockfile")
		dt, knownDT := setting("dynamodb_table")
		if knownLF && knownDT && lf != "true" && dt == "" {
			c.Report(be.DefRange, "", "s3 backend has neither use_lockfile = true nor dynamodb_table: state is not locked")
		}
	})
}

var ruleStateVersioning = &Rule{
	ID: "EF711", Category: "state", Severity: Error,
	Title:        "State bucket without versioning",
	Remediation:  "Add aws_s3_bucket_versioning with versioning_configuration { status = \"Enabled\" } for the bucket.",
	Doc:          "Versioning is the only way back from a corrupted or wrongly overwritten state file.",
	judgesValues: true,
	check:        checkStateVersioning,
}

func checkStateVersioning(c *Context) {
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
}

var ruleStateEncryption = &Rule{
	ID: "EF712", Category: "state", Severity: Warning,
	Title:        "State bucket without explicit encryption",
	Remediation:  "Add aws_s3_bucket_server_side_encryption_configuration (aws:kms with a key you control, or AES256).",
	Doc:          "State contains secrets. S3 encrypts new objects with SSE-S3 by default, but an explicit configuration (ideally KMS with a key policy) documents and enforces it.",
	judgesValues: true,
	check:        checkStateEncryption,
}

func checkStateEncryption(c *Context) {
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
}

var ruleStatePublicAccess = &Rule{
	ID: "EF713", Category: "state", Severity: Error,
	Title:        "State bucket without a public access block",
	Remediation:  "Add aws_s3_bucket_public_access_block with all four settings true.",
	Doc:          "A state bucket made public by a stray policy or ACL publishes every secret in the state.",
	judgesValues: true,
	check:        checkStatePublicAccess,
}

func checkStatePublicAccess(c *Context) {
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
}

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

// tfbackendValues reads the partial backend configuration files next to a
// root module (*.tfbackend in the module or its backend/ directory).
func tfbackendValues(dir string) []map[string]string {
	var out []map[string]string
	var files []string
	for _, d := range []string{dir, filepath.Join(dir, "backend")} {
		fs, _ := filepath.Glob(filepath.Join(d, "*.tfbackend"))
		files = append(files, fs...)
	}
	sort.Strings(files)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		hf, diags := hclsyntax.ParseConfig(src, f, hcl.InitialPos)
		if diags.HasErrors() {
			continue
		}
		attrs, _ := hf.Body.JustAttributes()
		vals := map[string]string{}
		for name, a := range attrs {
			if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.IsKnown() && !v.IsNull() {
				vals[name] = fmt.Sprint(valueTree(v))
			}
		}
		out = append(out, vals)
	}
	return out
}

// backendSetting resolves a backend attribute from the block or, when the
// block leaves it out, from every partial configuration file.
func backendSetting(m *tfparse.Module, be *tfparse.Block, name string, files []map[string]string) (string, bool) {
	inst := m.Eval.Instances(be)[0]
	if a := be.Attr(name); a != nil {
		v := inst.Eval(a.Expr)
		if !v.IsWhollyKnown() || v.IsNull() {
			return "", false
		}
		return fmt.Sprint(valueTree(v)), true
	}
	if len(files) == 0 {
		return "", true
	}
	val := ""
	for i, f := range files {
		v, ok := f[name]
		if !ok {
			return "", true // at least one environment lacks it
		}
		if i == 0 {
			val = v
		} else if v != val {
			return "", false // differs per environment: judge none
		}
	}
	return val, true
}
