package driftcheck

import (
	"fmt"
	"strings"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/tfstate"
)

// checkRegion refuses to compare the stack with a region it does not live
// in: there every resource would look deleted, and an issue would report a
// false critical drift. The stack's region is read from the root's
// provider "aws" block, then from the ARNs in the state, then (only when
// the region was not given explicitly) from the backend's region. region
// is the region of the AWS credentials; from says where it came from, and
// explicit whether the user gave it as the aws-region input.
func checkRegion(cfg *Config, st *tfstate.State, region, from string, explicit bool) error {
	wrong := func(stack, source string) error {
		return inputs.Errorf("aws-region", region,
			"the stack is in %s (%s) but the AWS credentials are for %s (from %s); in %s every resource would look deleted. Set aws-region: %s (or AWS_REGION) to the stack's region",
			stack, source, region, from, region, stack)
	}
	if p := cfg.Provider; p.Region != "" {
		if p.Region != region {
			return wrong(p.Region, p.Source)
		}
		return nil
	}
	if regs := st.ARNRegions(); len(regs) > 0 {
		var names []string
		for _, r := range regs {
			if r.Region == region {
				return nil // a multi-region stack is checked in this region
			}
			names = append(names, fmt.Sprintf("%s: %d", r.Region, r.Resources))
		}
		return wrong(regs[0].Region, "ARNs in the state "+cfg.State.String()+", resources by region "+strings.Join(names, ", "))
	}
	if cfg.StateInput == "path" && cfg.State.Region != "" && cfg.State.Region != region && !explicit {
		return wrong(cfg.State.Region, "region of the s3 backend in "+cfg.Path+"; if the state bucket lives elsewhere, give aws-region")
	}
	return nil
}

// regionSource says where the credentials' region came from, in the order
// the region is chosen (see RunWith).
func regionSource(env *cli.Env, cfg *Config) string {
	switch {
	case env.Inputs.String("aws-region") != "":
		return "the aws-region input"
	case cfg.Region != "":
		return "aws_region in the var-files"
	case env.Getenv("AWS_REGION") != "":
		return "AWS_REGION"
	case env.Getenv("AWS_DEFAULT_REGION") != "":
		return "AWS_DEFAULT_REGION"
	case cfg.State.Region != "":
		return "the state bucket's region"
	}
	return "the AWS configuration"
}
