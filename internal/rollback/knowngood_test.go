package rollback

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecsflow/ecsflow/internal/ledger"
)

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestSplitImage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, image, host, repo, digest, err string
	}{
		{name: "ECR with tag and digest", image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ecsflow/mcpo:abc@" + digestA,
			host: "123456789012.dkr.ecr.us-east-1.amazonaws.com", repo: "ecsflow/mcpo", digest: digestA},
		{name: "registry with port, no tag", image: "127.0.0.1:5000/team/app@" + digestB, host: "127.0.0.1:5000", repo: "team/app", digest: digestB},
		{name: "localhost", image: "localhost/app@" + digestA, host: "localhost", repo: "app", digest: digestA},
		{name: "no registry host", image: "team/app@" + digestA, repo: "team/app", digest: digestA},
		{name: "tag only", image: "127.0.0.1:5000/team/app:v1", err: "has no sha256 digest"},
		{name: "short digest", image: "team/app@sha256:abc", err: "has no sha256 digest"},
		{name: "other algorithm", image: "team/app@sha512:" + strings.Repeat("a", 64), err: "has no sha256 digest"},
		{name: "no repository", image: "@" + digestA, err: "names no repository"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			host, repo, digest, err := SplitImage(tc.image)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.host, host)
			assert.Equal(t, tc.repo, repo)
			assert.Equal(t, tc.digest, digest)
		})
	}
}

// Mode known-good reads each service's last-known-good ledger entry (not a
// newer failed or rolled-back one), reports its images by digest as matrix
// rows and the oldest entry's age as the RPO, and changes nothing in ECS.
func TestKnownGoodReportsTheLedgersEntriesAndTheirAge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	l := e.withLedger()
	ctx := context.Background()
	now := e.clock.Now()
	good := now.Add(-90 * time.Minute)
	img := "127.0.0.1:5000/ecsflow/web@" + digestA
	for _, r := range []ledger.Record{
		{Cluster: "prod", Service: "web", TaskDefinition: tdARN("web:1"), Outcome: "succeeded", Images: map[string]string{"web": img, "log-router": "127.0.0.1:5000/fluent:2@" + digestB},
			Start: good.Add(-3 * time.Minute), End: good, Commit: "c0ffee"},
		{Cluster: "prod", Service: "web", TaskDefinition: tdARN("web:2"), Outcome: "failed", Images: map[string]string{"web": "127.0.0.1:5000/ecsflow/web:bad"},
			Start: now.Add(-10 * time.Minute), End: now.Add(-5 * time.Minute)},
	} {
		require.NoError(t, l.Put(ctx, r))
	}
	before := e.mutations()
	r := e.run(map[string]string{"cluster": "prod", "service": "web", "mode": "known-good", "ledger-table": l.Table})
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, before, e.mutations(), "known-good changes nothing")
	assert.Equal(t, "5400", output(r.outputs, "rpo-seconds"))

	var kg map[string]KnownGood
	require.NoError(t, json.Unmarshal([]byte(output(r.outputs, "known-good")), &kg))
	require.Contains(t, kg, "web")
	assert.Equal(t, tdARN("web:1"), kg["web"].TaskDefinition)
	assert.Equal(t, img, kg["web"].Images["web"])
	assert.Equal(t, "c0ffee", kg["web"].Commit)
	assert.True(t, good.Equal(kg["web"].DeployedAt), "deployed-at %s, want %s", kg["web"].DeployedAt, good)

	var rows []Promotion
	require.NoError(t, json.Unmarshal([]byte(output(r.outputs, "images")), &rows))
	assert.Equal(t, []Promotion{
		{Service: "web", Container: "log-router", Image: "127.0.0.1:5000/fluent@" + digestB, Repository: "fluent", Digest: digestB, Commit: "c0ffee"},
		{Service: "web", Container: "web", Image: img, Repository: "ecsflow/web", Digest: digestA, Commit: "c0ffee"},
	}, rows)
	assert.Contains(t, r.summary, "1h30m0s old (RPO)")
}

// Nothing to restore from is a failure that says what to do, before any
// output: a service never deployed through the ledger, or one whose entry
// names its image by tag only.
func TestKnownGoodFailsWithoutARestorableEntry(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		record *ledger.Record
		want   string
	}{
		{name: "no entry", want: "has no succeeded deployment of web in cluster prod"},
		{name: "image by tag", record: &ledger.Record{Cluster: "prod", Service: "web", TaskDefinition: tdARN("web:1"), Outcome: "succeeded",
			Images: map[string]string{"web": "127.0.0.1:5000/ecsflow/web:v1"}, Start: t0}, want: `container web: "127.0.0.1:5000/ecsflow/web:v1" has no sha256 digest`},
		{name: "no images", record: &ledger.Record{Cluster: "prod", Service: "web", TaskDefinition: tdARN("web:1"), Outcome: "succeeded", Start: t0},
			want: "names no image"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			l := e.withLedger()
			if tc.record != nil {
				require.NoError(t, l.Put(context.Background(), *tc.record))
			}
			r := e.run(map[string]string{"cluster": "prod", "service": "web", "mode": "known-good", "ledger-table": l.Table})
			assert.Equal(t, 3, r.code, r.stdout)
			assert.Contains(t, r.stdout, tc.want)
			assert.Empty(t, output(r.outputs, "images"))
		})
	}
}
