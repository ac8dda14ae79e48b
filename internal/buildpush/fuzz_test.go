package buildpush

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/ecr"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/taskdef"
)

// FuzzPromoteFrom checks promote-from and image references of any form.
// A refused promote-from is an input error naming promote-from; an
// accepted one resolves, against the real target registry, to a strict
// reference with an explicit tag or digest, in the target registry when it
// names no host of its own, and a bare digest stays in the target
// repository. Whatever taskdef.CheckImage accepts parses as a reference,
// and an ECR host yields its 12-digit account.
func FuzzPromoteFrom(f *testing.F) {
	const host, repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com", "team/web"
	f.Fuzz(func(t *testing.T, from string) {
		if err := checkPromoteFrom(from, repo); err != nil {
			var ie *inputs.Error
			require.True(t, errors.As(err, &ie), "%T is not an *inputs.Error", err)
			require.Equal(t, "promote-from", ie.Input)
		} else {
			src, err := promoteSource(from, host, repo)
			require.NoError(t, err)
			ref, err := name.ParseReference(src, name.StrictValidation)
			require.NoError(t, err, "accepted %q resolves to %q", from, src)
			require.True(t, strings.Contains(src, "@") || strings.Contains(lastPart(src), ":"))
			if digestRE.MatchString(from) {
				require.Equal(t, host+"/"+repo+"@"+from, ref.Name())
			}
			if first, _, _ := strings.Cut(from, "/"); !strings.ContainsAny(first, ".:") && first != "localhost" {
				require.Equal(t, host, ref.Context().RegistryStr())
			}
		}
		if taskdef.CheckImage(from) == nil {
			_, err := name.ParseReference(from)
			require.NoError(t, err)
		}
		if account, ok := ecr.IsECRHost(from); ok {
			require.Len(t, account, 12)
			require.True(t, strings.HasPrefix(from, account+".dkr.ecr"))
		}
	})
}
