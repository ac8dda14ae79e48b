// Command ecsflow-rollback is the rollback action: it returns ECS services
// to a known revision, or checks them and heals them only when needed. The
// work lives in internal/rollback.
package main

import (
	"context"
	_ "embed"
	"os"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/rollback"
)

//go:embed action.yml
var spec []byte

func main() {
	os.Exit(cli.Main(cli.Command{Spec: spec, Run: run}))
}

// run is the action with its real dependencies (the zero Deps).
func run(ctx context.Context, env *cli.Env) error { return rollback.Run(ctx, env, rollback.Deps{}) }
