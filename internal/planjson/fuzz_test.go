package planjson

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParse: a plan that parses has a summary whose total is the sum of
// its per-type counts, destructive changes that are deletes or replaces,
// and a cost estimate made of finite numbers whose delta is after minus
// before.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			require.Nil(t, p)
			require.NotEmpty(t, err.Error())
			return
		}
		total, byType := p.Summary()
		var sum Counts
		for _, ts := range byType {
			sum.Create += ts.Create
			sum.Update += ts.Update
			sum.Replace += ts.Replace
			sum.Delete += ts.Delete
		}
		require.Equal(t, total.Total(), sum.Total())
		for _, rc := range p.Destructive() {
			a := rc.Action()
			require.Contains(t, []Action{Delete, Replace}, a)
		}
		c := p.FargateCost()
		for _, v := range []float64{c.Before, c.After, c.Delta, c.VCPUHoursDelta, c.GBHoursDelta} {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "cost estimate %+v holds a non-finite number", c)
		}
		require.InDelta(t, c.After-c.Before, c.Delta, 0.01+math.Abs(c.After)*1e-9)
	})
}
