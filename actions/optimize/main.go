// Command ecsflow-optimize reports what the ECS services that run could
// cost less. See README.md.
package main

import (
	"context"
	_ "embed"
	"os"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/optimize"
)

//go:embed action.yml
var actionYML []byte

func main() {
	os.Exit(cli.Main(cli.Command{Spec: actionYML, Run: run}))
}

// run is the action with its real dependencies (the zero Deps).
func run(ctx context.Context, env *cli.Env) error { return optimize.Run(ctx, env, optimize.Deps{}) }
