package project

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// schemaNode is the part of a JSON Schema object the test reads.
type schemaNode struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
	Defs       map[string]schemaNode      `json:"$defs"`
	Enum       []string                   `json:"enum"`
}

// TestSchemaMatchesParser holds docs/ecsflow.schema.json and the keys,
// required keys and strategies Parse knows to the same lists.
func TestSchemaMatchesParser(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/ecsflow.schema.json")
	require.NoError(t, err)
	var root schemaNode
	require.NoError(t, json.Unmarshal(data, &root))
	objects := map[string]schemaNode{"": root, "image": root.Defs["image"], "service": root.Defs["service"], "environment": root.Defs["environment"]}
	require.Len(t, objects, len(Keys), "every mapping of the format has its object in the schema")
	for where, obj := range objects {
		var keys []string
		for k := range obj.Properties {
			keys = append(keys, k)
		}
		assert.ElementsMatch(t, Keys[where], keys, "keys of %q", where)
		want := required[where]
		if where == "environment" {
			want = []string{"cluster"} // checked apart, as an environment without a cluster
		}
		assert.ElementsMatch(t, want, obj.Required, "required keys of %q", where)
	}
	assert.Equal(t, Strategies, root.Defs["strategy"].Enum)
	assert.True(t, slices.Contains(Keys["service"], "strategy"))
}

// TestDocExampleParses checks that the example in docs/ecsflow-yaml.md
// parses without problems.
func TestDocExampleParses(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/ecsflow-yaml.md")
	require.NoError(t, err)
	ex := between(string(data), "<!-- example -->\n```yaml\n", "```")
	require.NotEmpty(t, ex, "docs/ecsflow-yaml.md holds an example after <!-- example -->")
	_, ps := Parse([]byte(ex))
	assert.Empty(t, ps)
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, end)
	return before
}
