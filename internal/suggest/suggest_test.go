package suggest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEditDistance(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"strategy", "strategy", 0}, {"stratgy", "strategy", 1}, {"stategy", "strategy", 1},
		{"strategi", "strategy", 1}, {"kitten", "sitting", 3}, {"", "abc", 3}, {"wait", "tiaw", 4},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, EditDistance(tc.a, tc.b), "%q → %q", tc.a, tc.b)
		require.Equal(t, tc.want, EditDistance(tc.b, tc.a), "%q → %q", tc.b, tc.a)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	known := []string{"bake-time", "canary-bake-time", "strategy", "timeout", "wait"}
	cases := []struct {
		name string
		want []string
	}{
		{"stratgy", []string{"strategy"}},
		{"bake", []string{"bake-time", "canary-bake-time"}},
		{"time-out", []string{"timeout"}},
		{"waits", []string{"wait"}},
		{"region", nil},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, Close(tc.name, known), tc.name)
	}
}
