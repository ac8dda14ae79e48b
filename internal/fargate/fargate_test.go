package fargate_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/fargate"
)

func TestValid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		cpu, mem int
		want     bool
	}{
		{"smallest", 256, 512, true},
		{"256 takes 2048", 256, 2048, true},
		{"256 skips 1536", 256, 1536, false},
		{"512 step", 512, 3072, true},
		{"512 below range", 512, 512, false},
		{"4096 top", 4096, 30720, true},
		{"4096 off step", 4096, 8704, false},
		{"8192 step 4096", 8192, 20480, true},
		{"8192 off step", 8192, 17408, false},
		{"16384 top", 16384, 122880, true},
		{"16384 above range", 16384, 131072, false},
		{"not a cpu size", 3072, 8192, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, fargate.Valid(tc.cpu, tc.mem))
		})
	}
}

func TestAllowed(t *testing.T) {
	t.Parallel()
	require.Equal(t, "512, 1024 or 2048", fargate.Allowed(256))
	require.Equal(t, "16384 to 61440 in steps of 4096", fargate.Allowed(8192))
	require.Empty(t, fargate.Allowed(3072))
	r, ok := fargate.Memory(1024)
	require.True(t, ok)
	require.Equal(t, fargate.Range{Min: 2048, Max: 8192, Step: 1024}, r)
	_, ok = fargate.Memory(100)
	require.False(t, ok)
}

func TestValidCountsEveryDocumentedPair(t *testing.T) {
	t.Parallel()
	count := 0
	for cpu := 128; cpu <= 32768; cpu *= 2 {
		for mem := 256; mem <= 131072; mem += 256 {
			if fargate.Valid(cpu, mem) {
				count++
			}
		}
	}
	// 3 + 4 + 7 + 13 + 23 + 12 + 12 documented pairs.
	require.Equal(t, 74, count)
}
