package taskdef

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseValidateRender parses an arbitrary document, validates it and
// renders an image and an environment variable into its first container.
// Errors are *Error values; a parsed document's JSON is valid, parses
// again into the same JSON, and a successful render puts the image where
// it was asked for; an image CheckImage accepts has no surrounding spaces.
func FuzzParseValidateRender(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, image, envName string) {
		isErr := func(err error) {
			var te *Error
			require.True(t, errors.As(err, &te), "%T is not a *taskdef.Error: %v", err, err)
		}
		d, err := Parse(data)
		if err != nil {
			isErr(err)
			return
		}
		out := d.JSON()
		require.True(t, json.Valid(out))
		again, err := Parse(out)
		require.NoError(t, err, "the document's own JSON does not parse:\n%s", out)
		require.JSONEq(t, string(out), string(again.JSON()))
		if err := d.Validate(); err != nil {
			isErr(err)
		}
		names := d.ContainerNames()
		if len(names) == 0 {
			isErr(d.Apply(Render{Container: "web", Image: image}))
			return
		}
		c := d.Clone()
		err = c.Apply(Render{Container: names[0], Image: image, Environment: []KV{{Key: envName, Value: "v"}}})
		if err != nil {
			isErr(err)
			return
		}
		require.True(t, json.Valid(c.JSON()))
		if image != "" {
			require.NoError(t, CheckImage(image))
			require.Equal(t, image, c.Images()[names[0]])
		}
		_, err = Parse(c.JSON())
		require.NoError(t, err)
	})
}
