package github_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/github"
)

func TestRunURL(t *testing.T) {
	t.Parallel()
	full := map[string]string{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_RUN_ID": "42"}
	cases := []struct {
		name  string
		unset string
		want  string
	}{
		{"in Actions", "", "https://github.com/acme/shop/actions/runs/42"},
		{"no run id", "GITHUB_RUN_ID", ""},
		{"no server", "GITHUB_SERVER_URL", ""},
		{"no repository", "GITHUB_REPOSITORY", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string {
				if k == tc.unset {
					return ""
				}
				return full[k]
			}
			require.Equal(t, tc.want, github.RunURL(getenv))
		})
	}
}
