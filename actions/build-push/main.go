// Command ecsflow-build-push is the build-push action: it builds an image
// once per build context, pushes it under immutable tags and promotes the
// same digest between repositories. The work lives in internal/buildpush.
package main

import (
	"context"
	_ "embed"
	"os"

	"github.com/ecsflow/ecsflow/internal/buildpush"
	"github.com/ecsflow/ecsflow/internal/cli"
)

//go:embed action.yml
var spec []byte

func main() {
	os.Exit(cli.Main(cli.Command{Spec: spec, Run: run}))
}

// run is the action with its real dependencies (the zero Deps).
func run(ctx context.Context, env *cli.Env) error { return buildpush.Run(ctx, env, buildpush.Deps{}) }
