package cost

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// randomServices are n services of every valid size, environment, count,
// architecture and utilisation, some without data, from a fixed seed.
func randomServices(n int, seed uint64) []Service {
	r := rand.New(rand.NewPCG(seed, seed))
	envs := []string{"dev", "staging", "prod", "production", "qa"}
	all := pairs()
	out := make([]Service, n)
	for i := range out {
		p := all[r.IntN(len(all))]
		s := Service{
			Name: fmt.Sprintf("svc-%d", i), Cluster: "c", Environment: envs[r.IntN(len(envs))],
			CPU: p.CPU, Memory: p.Memory, DesiredCount: r.IntN(8),
		}
		if r.IntN(3) == 0 {
			s.Architecture = "ARM64"
		}
		if r.IntN(4) == 0 {
			s.CapacityProviders = []CapacityProvider{{"FARGATE", 1, 1}, {"FARGATE_SPOT", 0, r.IntN(3)}}
		}
		if r.IntN(2) == 0 {
			s.Images = []Image{{Ref: "img", Platforms: []string{"linux/amd64", "linux/arm64"}}}
		}
		if r.IntN(5) > 0 { // one in five has no data
			cpu := make([]float64, 14*24)
			mem := make([]float64, 14*24)
			for j := range cpu {
				cpu[j], mem[j] = 100*r.Float64()*r.Float64(), 100*r.Float64()
			}
			s.Usage.CPU = Series{Unit: Percent, Period: 3600e9, Values: cpu}
			s.Usage.Memory = Series{Unit: Percent, Period: 3600e9, Values: mem}
		}
		out[i] = s
	}
	return out
}

func TestInvariants(t *testing.T) {
	t.Parallel()
	o := DefaultOptions()
	for seed := uint64(1); seed <= 20; seed++ {
		r, err := Analyse(randomServices(50, seed), o)
		require.NoError(t, err)
		require.LessOrEqual(t, r.After, r.Monthly)
		for _, s := range r.Services {
			prod := o.isProd(s.Environment)
			for _, rec := range s.Recommendations {
				require.Positive(t, rec.MonthlySaving, "%s: %+v", s.Name, rec)
				switch rec.Kind {
				case KindRightsize:
					require.NotNil(t, rec.Size)
					require.True(t, validPair(rec.Size.CPU, rec.Size.Memory), "%s: %+v is not a Fargate size", s.Name, *rec.Size)
					require.LessOrEqual(t, s.CPU.P95, o.Headroom*float64(rec.Size.CPU)+0.1)
					require.LessOrEqual(t, s.Memory.P95, o.Headroom*float64(rec.Size.Memory)+0.1)
					require.LessOrEqual(t, s.Memory.Max, float64(rec.Size.Memory)+0.1)
				case KindSpot:
					require.False(t, prod, "%s in %s got Fargate Spot", s.Name, s.Environment)
				case KindSchedule:
					require.False(t, prod, "%s in %s gets scaled to zero", s.Name, s.Environment)
				case KindCount:
					if prod {
						require.GreaterOrEqual(t, rec.Tasks, o.ProdMinTasks)
					}
				}
				if s.Data != "ok" {
					require.NotContains(t, []Kind{KindRightsize, KindCount}, rec.Kind, "%s has no data", s.Name)
				}
			}
		}
	}
}

func TestPairsAreTheSizeTable(t *testing.T) {
	t.Parallel()
	ps := pairs()
	// The Fargate table lists 3 + 4 + 7 + 13 + 23 + 12 + 12 Linux pairs.
	require.Len(t, ps, 74)
	for _, p := range ps {
		require.True(t, validPair(p.CPU, p.Memory))
	}
}
