package optimize

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/tfparse"
)

// loadTree parses the Terraform root with its var files; nil without a
// root. A file that does not parse is bad input.
func loadTree(tf Terraform) (*tfparse.Tree, error) {
	if tf.Root == "" {
		return nil, nil
	}
	tree, err := tfparse.Load([]string{tf.Root}, tfparse.Options{VarFiles: tf.VarFiles})
	if err != nil {
		var vfe *tfparse.VarFileError
		if errors.As(err, &vfe) {
			return nil, inputs.Errorf("var-files", relative(tf.Workspace, vfe.Path), "%v", vfe.Err)
		}
		return nil, inputs.Errorf("path", relative(tf.Workspace, tf.Root), "%v", err)
	}
	return tree, nil
}

// locate fills in, for each service, the lines of the Terraform
// configuration that set the values the recommendations change, with
// files named relative to the workspace as the repository has them. It
// returns the services no aws_ecs_service is named after.
func locate(tree *tfparse.Tree, workspace string, services []cost.Service) []string {
	var missing []string
	for i := range services {
		src, ok := cost.Locate(tree, services[i].Name, os.ReadFile)
		if !ok {
			missing = append(missing, services[i].Name)
			continue
		}
		for f, at := range src {
			at.File = relative(workspace, at.File)
			src[f] = at
		}
		services[i].Terraform = src
	}
	return missing
}

// relative is path relative to the workspace, in slashes, when it lies
// inside it; else path as it is.
func relative(workspace, path string) string {
	abs, err1 := filepath.Abs(path)
	ws, err2 := filepath.Abs(workspace)
	if err1 != nil || err2 != nil {
		return path
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil || !filepath.IsLocal(rel) {
		return path
	}
	return filepath.ToSlash(rel)
}
