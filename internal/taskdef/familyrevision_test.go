package taskdef

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFamilyRevision(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"arn", "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7", "web:7"},
		{"already short", "web:7", "web:7"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, FamilyRevision(tc.in))
		})
	}
}
