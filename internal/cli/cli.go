// Package cli runs an ecsflow action: it reads the embedded action.yml,
// parses --flags (outside Actions) and INPUT_* variables (inside), calls the
// action, and turns its error into one ::error line and an exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/suggest"
)

// version is set at release time with -ldflags "-X ...cli.version=v1.2.3".
var version = ""

// Version returns the release version, or the module version recorded by
// the Go toolchain, or "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Command is one action.
type Command struct {
	// Spec is the action's action.yml, embedded in its binary.
	Spec []byte
	// Run does the work. Its error decides the exit code (see exitcode).
	Run func(ctx context.Context, env *Env) error
}

// Env is what an action's Run gets from the outside world.
type Env struct {
	Inputs  *inputs.Inputs
	Console *gha.Console
	Getenv  func(string) string
	// Now is the wall clock; tests replace it.
	Now func() time.Time
	// Stdout is where machine-readable output may go (rarely needed: use
	// Console for anything a person reads).
	Stdout io.Writer
}

// Main runs cmd with the process's arguments, streams and environment and
// returns the exit code. An action's main is `os.Exit(cli.Main(cmd))`.
func Main(cmd Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, cmd, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
}

// Run is Main with everything injected, for tests.
func Run(ctx context.Context, cmd Command, args []string, stdout, stderr io.Writer, lookup inputs.Lookup) (code int) {
	getenv := func(k string) string { v, _ := lookup(k); return v }
	console := gha.New(stdout, getenv)
	defer func() {
		if r := recover(); r != nil {
			// No stack trace for users; the message is enough to file a bug.
			fail(console, stderr, fmt.Errorf("internal error: %v", r), "this is a bug in ecsflow; please report it with the step log")
			code = exitcode.Failure
		}
	}()

	spec, err := actionspec.Parse(cmd.Spec)
	if err != nil {
		fail(console, stderr, err, "this is a bug in ecsflow; please report it")
		return exitcode.Failure
	}
	flags, help, showVersion, err := parseArgs(spec, args)
	if err != nil {
		fail(console, stderr, err, "run with --help to list the inputs")
		return exitcode.BadInput
	}
	if help {
		fmt.Fprint(stdout, Help(spec))
		return exitcode.OK
	}
	if showVersion {
		fmt.Fprintf(stdout, "%s %s\n", spec.Name, Version())
		return exitcode.OK
	}

	env := &Env{
		Inputs:  inputs.New(spec, flags, lookup),
		Console: console,
		Getenv:  getenv,
		Now:     time.Now,
		Stdout:  stdout,
	}
	err = cmd.Run(ctx, env)
	console.Flush()
	code = exitcode.Code(err)
	if err != nil {
		fail(console, stderr, err, hintFor(code))
	}
	return code
}

func hintFor(code int) string {
	switch code {
	case exitcode.BadInput:
		return "fix the input and run again; nothing was changed"
	case exitcode.Failure:
		return "see the log above for the failing call"
	}
	return ""
}

// fail prints exactly one error line: a workflow command inside Actions, a
// plain "error:" line on stderr outside.
func fail(c *gha.Console, stderr io.Writer, err error, hint string) {
	msg := err.Error()
	var ee *exitcode.Error
	if hint != "" && !(errors.As(err, &ee) && ee.Hint != "") && !strings.Contains(msg, hint) {
		msg += "; " + hint
	}
	msg = strings.ReplaceAll(msg, "\n", " ")
	if c.InActions() {
		c.Errorf("%s", msg)
		return
	}
	fmt.Fprintln(stderr, "error: "+c.Redact(msg))
}

// parseArgs reads --name=value, --name value and bare --name (meaning
// "true") for every input declared in spec.
func parseArgs(spec *actionspec.Spec, args []string) (flags map[string]string, help, version bool, err error) {
	flags = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-h", "--help", "help":
			return nil, true, false, nil
		case "--version", "version":
			return nil, false, true, nil
		}
		if !strings.HasPrefix(a, "--") {
			return nil, false, false, exitcode.BadInputf("unexpected argument %q: inputs are given as --name=value", a)
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if _, ok := spec.Input(name); !ok {
			return nil, false, false, unknownFlag(spec, name)
		}
		if !hasValue {
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				value = args[i+1]
				i++
			} else {
				value = "true"
			}
		}
		if _, dup := flags[name]; dup {
			return nil, false, false, exitcode.BadInputf("flag --%s is given twice", name)
		}
		flags[name] = value
	}
	return flags, false, false, nil
}

func unknownFlag(spec *actionspec.Spec, name string) error {
	var close []string
	for _, n := range suggest.Close(name, spec.InputNames()) {
		close = append(close, "--"+n)
	}
	msg := fmt.Sprintf("unknown flag --%s for %s", name, spec.Name)
	if len(close) > 0 {
		msg += "; did you mean " + strings.Join(close, " or ") + "?"
	} else {
		msg += "; run with --help to list the inputs"
	}
	return &exitcode.Error{Code: exitcode.BadInput, Err: errors.New(msg)}
}

// Help renders --help from the spec.
func Help(spec *actionspec.Spec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n", spec.Name, oneLine(spec.Description))
	fmt.Fprintf(&b, "Usage: %s [--input=value ...]\n\n", binName(spec))
	b.WriteString("Each input is a flag here and an INPUT_<NAME> variable inside GitHub Actions.\n\nInputs:\n")
	width := 0
	for _, in := range spec.Inputs {
		width = max(width, len(in.Name))
	}
	for _, in := range spec.Inputs {
		line := fmt.Sprintf("  --%-*s  %s", width, in.Name, oneLine(in.Description))
		if in.Required {
			line += " (required)"
		}
		if in.HasDefault && in.Default != "" {
			line += fmt.Sprintf(" [default: %s]", oneLine(in.Default))
		}
		b.WriteString(line + "\n")
	}
	if len(spec.Outputs) > 0 {
		b.WriteString("\nOutputs:\n")
		names := make([]string, 0, len(spec.Outputs))
		for _, o := range spec.Outputs {
			width = max(width, len(o.Name))
			names = append(names, o.Name)
		}
		sort.Strings(names)
		for _, o := range spec.Outputs {
			fmt.Fprintf(&b, "  %-*s  %s\n", width+2, o.Name, oneLine(o.Description))
		}
	}
	b.WriteString("\nExit codes: 0 ok, 1 negative verdict, 2 bad input, 3 unexpected failure.\n")
	return b.String()
}

func binName(spec *actionspec.Spec) string {
	n := strings.ToLower(spec.Name)
	n = strings.TrimPrefix(n, "ecsflow ")
	return strings.ReplaceAll(n, " ", "-")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
