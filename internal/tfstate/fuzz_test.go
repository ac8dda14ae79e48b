package tfstate

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParse: any document is either state of format version 4, whose
// managed instances have addresses that start with their config address
// and come sorted, or a *FormatError; a location string either parses into
// an S3 or local location or fails.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			var fe *FormatError
			require.True(t, errors.As(err, &fe), "%T is not a *FormatError", err)
			require.Nil(t, s)
			return
		}
		require.Equal(t, 4, s.Version)
		objs := s.Managed()
		require.True(t, sort.SliceIsSorted(objs, func(i, j int) bool { return objs[i].Address < objs[j].Address }))
		for _, o := range objs {
			require.True(t, strings.HasPrefix(o.Address, o.Config), "%q does not start with %q", o.Address, o.Config)
			require.True(t, strings.HasSuffix(o.Config, o.Type+"."+o.Name))
			for _, v := range o.Attributes {
				Scalar(v)
			}
		}
		_, _ = ParseLocation(string(data))
	})
}
