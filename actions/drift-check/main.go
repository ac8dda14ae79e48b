// Command ecsflow-drift-check compares Terraform state with the live AWS
// account for an ECS stack. See README.md.
package main

import (
	"context"
	_ "embed"
	"os"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/driftcheck"
)

//go:embed action.yml
var actionYML []byte

func main() {
	os.Exit(cli.Main(cli.Command{Spec: actionYML, Run: run}))
}

// run is the action with its real dependencies (the zero Deps).
func run(ctx context.Context, env *cli.Env) error { return driftcheck.Run(ctx, env, driftcheck.Deps{}) }
