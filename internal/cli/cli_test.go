package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/actionspec"
	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/inputs"
)

func specBytes(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/action.yml")
	require.NoError(t, err)
	return b
}

// probe is an action whose behaviour the mode input chooses.
func probe(t *testing.T) cli.Command {
	return cli.Command{Spec: specBytes(t), Run: func(ctx context.Context, env *cli.Env) error {
		cluster, err := env.Inputs.Required("cluster")
		if err != nil {
			return err
		}
		if _, err := env.Inputs.Duration("timeout", time.Second, 2*time.Hour); err != nil {
			return err
		}
		env.Console.SetOutput("cluster", cluster)
		if tok := env.Inputs.String("token"); tok != "" {
			env.Console.Mask(tok)
		}
		switch env.Inputs.String("mode") {
		case "negative":
			env.Console.SetOutput("status", "rolled-back")
			return exitcode.Negativef("deployment of %s rolled back", cluster)
		case "bad-input":
			return inputs.Errorf("cluster", cluster, "does not exist; create it or fix the name")
		case "failure":
			return fmt.Errorf("failed to describe services: %w", errors.New("connection refused"))
		case "panic":
			var m map[string]int
			//lint:ignore SA5000 the case needs a runtime panic, not a call to panic
			m["boom"]++
		case "secret":
			return fmt.Errorf("call failed with token %s", env.Inputs.String("token"))
		case "hint":
			return exitcode.WithHint(errors.New("lock held by run 42"), "wait for it or remove the lock")
		}
		env.Console.SetOutput("status", "succeeded")
		return nil
	}}
}

type run struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, args []string, vars map[string]string) run {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	code := cli.Run(context.Background(), probe(t), args, &out, &errb, lookup)
	return run{code, out.String(), errb.String()}
}

func actionsEnv(t *testing.T, vars map[string]string) (map[string]string, string) {
	out := filepath.Join(t.TempDir(), "out")
	require.NoError(t, os.WriteFile(out, nil, 0o600))
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": out}
	for k, v := range vars {
		env[k] = v
	}
	return env, out
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		args      []string
		code      int
		errLine   string // the one error line outside Actions
		noOutputs bool
	}{
		{"ok", []string{"--cluster=c1"}, exitcode.OK, "", false},
		{"negative verdict", []string{"--cluster=c1", "--mode=negative"}, exitcode.Negative, "error: deployment of c1 rolled back\n", false},
		{"bad input from the action", []string{"--cluster", "c1", "--mode", "bad-input"}, exitcode.BadInput,
			"error: input \"cluster\": value \"c1\": does not exist; create it or fix the name; fix the input and run again; nothing was changed\n", false},
		{"missing required input", []string{}, exitcode.BadInput, "error: input \"cluster\": is required but empty; fix the input and run again; nothing was changed\n", true},
		{"bad typed input", []string{"--cluster=c1", "--timeout=forever"}, exitcode.BadInput,
			"error: input \"timeout\": value \"forever\": is not a duration; write it like 90s, 10m or 1h30m; fix the input and run again; nothing was changed\n", true},
		{"failure", []string{"--cluster=c1", "--mode=failure"}, exitcode.Failure,
			"error: failed to describe services: connection refused; see the log above for the failing call\n", false},
		{"hint kept", []string{"--cluster=c1", "--mode=hint"}, exitcode.Failure, "error: lock held by run 42; wait for it or remove the lock\n", false},
		{"panic", []string{"--cluster=c1", "--mode=panic"}, exitcode.Failure,
			"error: internal error: assignment to entry in nil map; this is a bug in ecsflow; please report it with the step log\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, tc.args, nil)
			assert.Equal(t, tc.code, r.code)
			assert.Equal(t, tc.errLine, r.stderr, "exactly one error line")
			assert.NotContains(t, r.stdout+r.stderr, "goroutine", "no stack trace")
			assert.NotContains(t, r.stdout+r.stderr, ".go:", "no stack trace")
			if tc.noOutputs {
				assert.NotContains(t, r.stdout, "outputs:")
			}
		})
	}
}

// Inside Actions every non-zero exit leaves exactly one ::error line.
func TestOneErrorLineInsideActions(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"negative", "bad-input", "failure", "panic"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env, _ := actionsEnv(t, map[string]string{"INPUT_CLUSTER": "c1", "INPUT_MODE": mode})
			r := runCLI(t, nil, env)
			assert.NotEqual(t, 0, r.code)
			assert.Equal(t, 1, strings.Count(r.stdout, "::error"), r.stdout)
			assert.Empty(t, r.stderr)
			for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				if strings.HasPrefix(l, "::error") {
					assert.NotContains(t, l, "%0A", "one line, no embedded newlines")
				}
			}
			assert.NotContains(t, r.stdout, "goroutine")
		})
	}
}

func TestInputsFromFlagsEnvAndDefaults(t *testing.T) {
	t.Parallel()
	env, out := actionsEnv(t, map[string]string{"INPUT_CLUSTER": "from-env"})
	r := runCLI(t, nil, env)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(b), "\nfrom-env\n")

	r = runCLI(t, []string{"--cluster=from-flag"}, map[string]string{"INPUT_CLUSTER": "from-env"})
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "cluster: from-flag", "a flag beats the variable; outputs are printed outside Actions")
	assert.Contains(t, r.stdout, "status: succeeded")
}

func TestFlagForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"--name=value", []string{"--cluster=a"}, 0, ""},
		{"--name value", []string{"--cluster", "a"}, 0, ""},
		{"bare flag is true", []string{"--cluster=a", "--wait"}, 0, ""},
		{"bare flag before another flag", []string{"--wait", "--cluster=a"}, 0, ""},
		{"positional argument", []string{"a"}, 2, `unexpected argument "a": inputs are given as --name=value`},
		{"duplicate flag", []string{"--cluster=a", "--cluster=b"}, 2, "flag --cluster is given twice"},
		{"unknown flag with a suggestion", []string{"--clustr=a"}, 2, "unknown flag --clustr for ecsflow deploy-probe; did you mean --cluster?"},
		{"unknown flag, prefix", []string{"--time=5m"}, 2, "did you mean --timeout?"},
		{"unknown flag without a close one", []string{"--zzzzzzzz=1"}, 2, "unknown flag --zzzzzzzz for ecsflow deploy-probe; run with --help to list the inputs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, tc.args, nil)
			assert.Equal(t, tc.code, r.code, r.stderr)
			if tc.err != "" {
				assert.Contains(t, r.stderr, tc.err)
				assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line")
			}
		})
	}
}

func TestHelpListsEveryInput(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--help", "-h", "help"} {
		r := runCLI(t, []string{"--cluster=x", arg}, nil)
		assert.Equal(t, 0, r.code)
		spec, err := actionspec.Parse(specBytes(t))
		require.NoError(t, err)
		for _, in := range spec.Inputs {
			assert.Contains(t, r.stdout, "--"+in.Name, arg)
		}
		for _, o := range spec.Outputs {
			assert.Contains(t, r.stdout, o.Name)
		}
		assert.Contains(t, r.stdout, "Usage: deploy-probe [--input=value ...]")
		assert.Contains(t, r.stdout, "ECS cluster name. (required)")
		assert.Contains(t, r.stdout, "[default: 30m]")
		assert.Contains(t, r.stdout, "Exit codes: 0 ok, 1 negative verdict, 2 bad input, 3 unexpected failure.")
		assert.Empty(t, r.stderr)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := runCLI(t, []string{"--version"}, nil)
	assert.Equal(t, 0, r.code)
	assert.Equal(t, "ecsflow deploy-probe "+cli.Version()+"\n", r.stdout)
	assert.NotEmpty(t, cli.Version())
}

func TestSecretsAreRedactedInTheErrorLine(t *testing.T) {
	t.Parallel()
	const tok = "ghp_supersecrettoken123"
	r := runCLI(t, []string{"--cluster=c", "--mode=secret", "--token=" + tok}, nil)
	assert.Equal(t, 3, r.code)
	assert.NotContains(t, r.stdout+r.stderr, tok)
	assert.Contains(t, r.stderr, "error: call failed with token ***")

	env, _ := actionsEnv(t, map[string]string{"INPUT_CLUSTER": "c", "INPUT_MODE": "secret", "INPUT_TOKEN": tok})
	r = runCLI(t, nil, env)
	assert.Equal(t, 3, r.code)
	assert.Contains(t, r.stdout, "::error::call failed with token ***")
	assert.Equal(t, 1, strings.Count(r.stdout, tok), "only in the ::add-mask:: command")
}

func TestBrokenSpecIsAFailure(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), cli.Command{Spec: []byte("inputs: [1, 2"), Run: func(context.Context, *cli.Env) error { return nil }},
		nil, &out, &errb, func(string) (string, bool) { return "", false })
	assert.Equal(t, exitcode.Failure, code)
	assert.Contains(t, errb.String(), "failed to parse action.yml")
}
