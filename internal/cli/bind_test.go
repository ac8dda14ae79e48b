package cli_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/cli"
)

func TestBindPassesTheDependencies(t *testing.T) {
	t.Parallel()
	type deps struct{ name string }
	var got deps
	var gotEnv *cli.Env
	run := cli.Bind(func(_ context.Context, env *cli.Env, d deps) error {
		got, gotEnv = d, env
		return nil
	}, deps{name: "double"})
	env := &cli.Env{}
	require.NoError(t, run(context.Background(), env))
	require.Equal(t, deps{name: "double"}, got)
	require.Same(t, env, gotEnv)
}
