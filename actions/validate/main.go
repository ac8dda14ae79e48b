// Command ecsflow-validate is the validate action: a pull-request gate for
// Terraform, ECS task definitions and workflows. The work lives in
// internal/validate.
package main

import (
	"context"
	_ "embed"
	"os"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/validate"
)

//go:embed action.yml
var spec []byte

func main() {
	if len(os.Args) > 1 && os.Args[1] == validate.ServicesCommand {
		os.Exit(validate.Services(os.Args[2:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(cli.Main(cli.Command{Spec: spec, Run: run}))
}

// run is the action with its real dependencies (the zero Deps).
func run(ctx context.Context, env *cli.Env) error { return validate.Run(ctx, env, validate.Deps{}) }
