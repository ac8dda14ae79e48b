package tfstate

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// ProviderRegion is the region the default `provider "aws"` block of a
// root configures, and where that was read.
type ProviderRegion struct {
	Region string
	// Source names the file and line, and the variable or var file the
	// value came from.
	Source string
}

// ReadProviderRegion reads the region of the root's default (unaliased)
// aws provider. The region may be a literal or var.NAME, resolved from vars
// (the var files) and then from the variable's default. It returns the zero
// value when the root has no such provider or its region is an expression
// this reader does not evaluate (then Terraform's own lookup applies:
// AWS_REGION and the profile).
func ReadProviderRegion(fsys fs.FS, dir string, vars map[string]string) (ProviderRegion, error) {
	files, err := parseRoot(fsys, dir)
	if err != nil {
		return ProviderRegion{}, err
	}
	var attr *hclAttr
	var file string
	defaults := map[string]string{}
	for _, b := range topBlocks(files) {
		blk := b.block
		switch {
		case blk.typ == "provider" && len(blk.labels) == 1 && blk.labels[0] == "aws":
			if _, aliased := blk.body.attrs["alias"]; aliased {
				continue
			}
			if a, ok := blk.body.attrs["region"]; ok {
				attr, file = a, b.file
			}
		case blk.typ == "variable" && len(blk.labels) == 1:
			if a, ok := blk.body.attrs["default"]; ok {
				if v, ok := literalString(a.expr); ok {
					defaults[blk.labels[0]] = v
				}
			}
		}
	}
	if attr == nil {
		return ProviderRegion{}, nil
	}
	at := fmt.Sprintf(`provider "aws" in %s:%d`, file, attr.line)
	if v, ok := literalString(attr.expr); ok {
		return ProviderRegion{Region: v, Source: at}, nil
	}
	if len(attr.expr) != 3 || attr.expr[0].kind != tokIdent || attr.expr[0].text != "var" || !isPunct(attr.expr[1], ".") || attr.expr[2].kind != tokIdent {
		return ProviderRegion{}, nil
	}
	name := attr.expr[2].text
	if v := vars[name]; v != "" {
		return ProviderRegion{Region: v, Source: fmt.Sprintf("%s (var.%s from the var files)", at, name)}, nil
	}
	if v := defaults[name]; v != "" {
		return ProviderRegion{Region: v, Source: fmt.Sprintf("%s (default of var.%s)", at, name)}, nil
	}
	return ProviderRegion{}, nil
}

// fileBlock is a top-level block and the file it is in.
type fileBlock struct {
	file  string
	block *hclBlock
}

// topBlocks lists the top-level blocks of files in order.
func topBlocks(files []hclFile) []fileBlock {
	var out []fileBlock
	for _, f := range files {
		for _, blk := range f.body.blocks {
			out = append(out, fileBlock{file: f.name, block: blk})
		}
	}
	return out
}

// ARNRegions returns the regions named by the ARNs in the state's
// attributes (arn, id and any other top-level string that is an ARN), each
// with how many resource instances carry it, most frequent first. Global
// services (IAM, CloudFront) have no region in their ARNs and count for
// none.
func (s *State) ARNRegions() []RegionCount {
	n := map[string]int{}
	for _, r := range s.Resources {
		for _, in := range r.Instances {
			seen := map[string]bool{}
			for _, v := range in.Attributes {
				str, ok := v.(string)
				if !ok {
					continue
				}
				if reg := arnRegion(str); reg != "" && !seen[reg] {
					seen[reg] = true
					n[reg]++
				}
			}
		}
	}
	out := make([]RegionCount, 0, len(n))
	for reg, c := range n {
		out = append(out, RegionCount{Region: reg, Resources: c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resources != out[j].Resources {
			return out[i].Resources > out[j].Resources
		}
		return out[i].Region < out[j].Region
	})
	return out
}

// RegionCount is one region of ARNRegions.
type RegionCount struct {
	Region    string
	Resources int
}

// arnRegion is the region field of an ARN (arn:partition:service:region:...).
func arnRegion(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return ""
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[3]
}
