// Command ecsflow-rollback is the rollback action: it returns ECS services
// to a known revision, or checks them and heals them only when needed. The
// work lives in internal/rollback.
package main

import (
	_ "embed"
	"os"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/rollback"
)

//go:embed action.yml
var spec []byte

func main() {
	os.Exit(cli.Main(cli.Command{Spec: spec, Run: cli.Bind(rollback.Run, rollback.Deps{})}))
}
