// Command ecsflow-drift-check compares Terraform state with the live AWS
// account for an ECS stack. See README.md.
package main

import (
	_ "embed"
	"os"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/driftcheck"
)

//go:embed action.yml
var actionYML []byte

func main() {
	os.Exit(cli.Main(cli.Command{Spec: actionYML, Run: cli.Bind(driftcheck.Run, driftcheck.Deps{})}))
}
