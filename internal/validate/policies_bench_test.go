package validate

import (
	"path/filepath"
	"testing"
)

// examplePolicies are the built-in library and the example's own
// policies with its data, as the example's pull-request workflow passes
// them.
var examplePolicies = PolicySettings{
	Builtin:    true,
	Dirs:       []string{"../../examples/open-webui/policies"},
	DataFiles:  []string{"../../examples/open-webui/policies/data.yaml"},
	Namespaces: []string{"main"},
}

// BenchmarkExampleStackPolicies is BenchmarkExampleStack with the
// policies: the difference is what evaluating them costs.
func BenchmarkExampleStackPolicies(b *testing.B) {
	tds, _ := filepath.Glob("../../examples/open-webui/task-definitions/*.json")
	s := &Config{Roots: []string{"../../examples/open-webui/terraform", "../../examples/open-webui/bootstrap"}, TaskDefs: tds, Policies: examplePolicies}
	benchAnalyse(b, s, 22)
}

// BenchmarkLargeTreePolicies is BenchmarkLargeTree with the policies.
func BenchmarkLargeTreePolicies(b *testing.B) {
	dir, st := largeTree(b)
	b.ReportMetric(float64(st.Resources), "resources")
	benchAnalyse(b, &Config{Roots: []string{dir}, Policies: examplePolicies}, st.Files)
}
