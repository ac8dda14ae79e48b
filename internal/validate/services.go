package validate

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/project"
	"github.com/ecsflow/ecsflow/internal/rules"
)

// ServicesCommand is the first argument that selects the services mode of
// the validate binary (ecsflow-validate services ...).
const ServicesCommand = "services"

const servicesUsage = `usage: ecsflow-validate services [--config ecsflow.yaml] [--environment ENV]
                                [--services JSON | --changed-files FILE|-]

Reads ecsflow.yaml (relative to the workspace) and prints, as one JSON
object, what a workflow run builds and deploys: services, builds (each image
once), deploys (repository, container, task-definition file and strategy per
service), cluster and strategies of the environment. --services names the
services (a JSON array); --changed-files takes the files a change touched
(one per line, as git diff --name-only prints them) and picks the services
they touch; with neither, every service.`

// Services runs the services mode with args (after "services") and returns
// the exit code: 0 with the plan on stdout, 2 for bad flags or a file with
// problems, each problem on stderr as an annotation on its line.
func Services(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fl := flag.NewFlagSet("ecsflow-validate services", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	config := fl.String("config", project.DefaultFile, "")
	env := fl.String("environment", "", "")
	services := fl.String("services", "", "")
	changed := fl.String("changed-files", "", "")
	if err := fl.Parse(args); err != nil || fl.NArg() > 0 {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, servicesUsage)
			return exitcode.OK
		}
		fmt.Fprintf(stderr, "error: %v\n%s\n", errOr(err, fmt.Errorf("unexpected argument %q", fl.Arg(0))), servicesUsage)
		return exitcode.BadInput
	}
	plan, err := servicesPlan(*config, *env, *services, *changed, stdin, getenv)
	if err != nil {
		var ps project.Problems
		if errors.As(err, &ps) {
			reportProblems(stderr, getenv, *config, ps)
		} else {
			fmt.Fprintf(stderr, "error: %v\n", err)
		}
		return exitcode.BadInput
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(plan); err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitcode.Failure
	}
	return exitcode.OK
}

func errOr(err, other error) error {
	if err != nil {
		return err
	}
	return other
}

// servicesPlan reads the file, picks the services and plans them.
func servicesPlan(config, env, services, changed string, stdin io.Reader, getenv func(string) string) (*project.Plan, error) {
	if services != "" && changed != "" {
		return nil, errors.New("give --services or --changed-files, not both")
	}
	full := outfile.FromEnv(getenv).ReadPath(config)
	data, err := os.ReadFile(full)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("config %s does not exist (looked for %s); %s", config, full, outfile.ReadRule)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s cannot be read: %v", config, unwrapPathErr(err))
	}
	c, ps := project.Parse(data)
	if len(ps) > 0 {
		return nil, ps
	}
	names := c.Names()
	switch {
	case services != "":
		if err := json.Unmarshal([]byte(services), &names); err != nil {
			return nil, fmt.Errorf("--services %s is not a JSON array of service names", services)
		}
	case changed != "":
		files, err := readLines(changed, stdin)
		if err != nil {
			return nil, err
		}
		names = c.Changed(files)
	}
	return c.Plan(names, env)
}

func readLines(name string, stdin io.Reader) ([]string, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("--changed-files %s cannot be read: %v", name, unwrapPathErr(err))
		}
		defer f.Close()
		r = f
	}
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// reportProblems prints each problem as an annotation on the file's line
// (a workflow command inside Actions, file:line:col outside).
func reportProblems(w io.Writer, getenv func(string) string, file string, ps project.Problems) {
	console := gha.New(w, getenv)
	for _, p := range ps {
		console.Annotate(gha.Annotation{Level: gha.LevelError, Title: "ecsflow.yaml", File: file, Line: p.Line, Col: p.Column, Message: p.Message})
	}
}

// projectFile is the ecsflow.yaml validate checks: the ecsflow-config
// input, else ecsflow.yaml at the workspace root when there is one.
func projectFile(in *inputs.Inputs, ws outfile.Roots) (string, error) {
	if p := in.String("ecsflow-config"); p != "" {
		return inWorkspace(ws, "ecsflow-config", p, false, "the repository's ecsflow.yaml (docs/ecsflow-yaml.md)")
	}
	full := ws.ReadPath(project.DefaultFile)
	if st, err := os.Stat(full); err == nil && !st.IsDir() {
		return workspaceRelative(full), nil
	}
	return "", nil
}

// readProjectFile parses ecsflow.yaml for the rules; the paths it names are
// looked for under the workspace.
func readProjectFile(file, workspace string) (*rules.ProjectFile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, inputs.Errorf("ecsflow-config", file, "cannot be read: %v", unwrapPathErr(err))
	}
	c, ps := project.Parse(data)
	return &rules.ProjectFile{Path: file, Config: c, Problems: ps, Exists: func(p string, dir bool) bool {
		st, err := os.Stat(filepath.Join(workspace, filepath.FromSlash(p)))
		return err == nil && st.IsDir() == dir
	}}, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
