// Command ecsflow-deploy-ecs is the deploy-ecs action: it renders and
// registers a task definition, deploys it to ECS services in waves with the
// chosen strategy, runs gates, explains failures and rolls back. The work
// lives in internal/deployecs (the action) and internal/deploy (the engine).
package main

import (
	"context"
	_ "embed"
	"os"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/deployecs"
)

//go:embed action.yml
var spec []byte

func main() {
	os.Exit(cli.Main(cli.Command{Spec: spec, Run: run}))
}

// run is the action with its real dependencies (the zero Deps).
func run(ctx context.Context, env *cli.Env) error { return deployecs.Run(ctx, env, deployecs.Deps{}) }
