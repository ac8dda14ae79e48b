package rollback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

// KnownGood is one service's last-known-good deployment as mode known-good
// reports it: what a disaster-recovery drill restores in another region.
type KnownGood struct {
	TaskDefinition string `json:"task-definition"`
	// Images maps container name to image@sha256 digest.
	Images     map[string]string `json:"images"`
	DeployedAt time.Time         `json:"deployed-at"`
	Commit     string            `json:"commit,omitempty"`
}

// Promotion is one image a drill copies to the recovery region by digest:
// a row of the images output, shaped for a workflow matrix.
type Promotion struct {
	Service   string `json:"service"`
	Container string `json:"container"`
	// Image is the source by digest, without the tag the record may name.
	Image      string `json:"image"`
	Repository string `json:"repository"`
	Digest     string `json:"digest"`
	// Commit is the deployed commit, a tag for the promoted copy.
	Commit string `json:"commit,omitempty"`
}

// knownGood is mode known-good: it reads each service's last-known-good
// ledger record and reports it, the images to promote and the recovery
// point's age. It makes no ECS call (the services' own region may be the
// one that is down) and changes nothing.
func knownGood(ctx context.Context, env *cli.Env, p *Config, led *ledger.Ledger, now time.Time) error {
	entries := map[string]KnownGood{}
	var promos []Promotion
	oldest := now
	for _, s := range p.services {
		rec, err := led.LastKnownGood(ctx, p.cluster, s, "")
		if errors.Is(err, ledger.ErrNoKnownGood) {
			return fmt.Errorf("ledger table %s has no succeeded deployment of %s in cluster %s: there is nothing to restore it from; deploy it once with deploy-ecs and ledger-table", led.Table, s, p.cluster)
		}
		if err != nil {
			return err
		}
		rows, err := promotions(s, rec.Images, rec.Commit)
		if err != nil {
			return err
		}
		promos = append(promos, rows...)
		entries[s] = KnownGood{TaskDefinition: rec.TaskDefinition, Images: rec.Images, DeployedAt: rec.End.UTC(), Commit: rec.Commit}
		if rec.End.Before(oldest) {
			oldest = rec.End
		}
	}
	rpo := now.Sub(oldest).Round(time.Second)
	kg, _ := json.Marshal(entries)
	im, _ := json.Marshal(promos)
	c := env.Console
	c.SetOutput("known-good", string(kg))
	c.SetOutput("images", string(im))
	c.SetOutput("rpo-seconds", strconv.Itoa(int(rpo.Seconds())))
	c.AddSummary(knownGoodMarkdown(p.services, entries, now, rpo))
	return nil
}

// promotions lists a record's images; each must carry a digest, since a
// drill promotes the bytes that ran, never a tag that may have moved.
func promotions(service string, images map[string]string, commit string) ([]Promotion, error) {
	if len(images) == 0 {
		return nil, fmt.Errorf("the last-known-good ledger record of %s names no image: it was written before deploy-ecs recorded images; deploy %s once more with ledger-table", service, service)
	}
	var out []Promotion
	for _, n := range slices.Sorted(maps.Keys(images)) {
		img := images[n]
		host, repo, digest, err := SplitImage(img)
		if err != nil {
			return nil, fmt.Errorf("the last-known-good image of %s container %s: %w", service, n, err)
		}
		src := repo + "@" + digest
		if host != "" {
			src = host + "/" + src
		}
		out = append(out, Promotion{Service: service, Container: n, Image: src, Repository: repo, Digest: digest, Commit: commit})
	}
	return out, nil
}

// SplitImage returns the registry host (empty when the reference names
// none), the repository path (without the tag) and the sha256 digest of an
// image reference such as
// 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1@sha256:....
func SplitImage(img string) (host, repository, digest string, err error) {
	name, digest, ok := strings.Cut(img, "@")
	hex, isSHA := strings.CutPrefix(digest, "sha256:")
	if !ok || !isSHA || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return "", "", "", fmt.Errorf("%q has no sha256 digest; a drill promotes images by digest only", img)
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i] // the tag
	}
	if first, rest, ok := strings.Cut(name, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		host, name = first, rest
	}
	if name == "" {
		return "", "", "", fmt.Errorf("%q names no repository", img)
	}
	return host, name, digest, nil
}

func knownGoodMarkdown(services []string, entries map[string]KnownGood, now time.Time, rpo time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### rollback · known-good\n\nRecovery point: the oldest entry is %s old (RPO).\n\n", rpo)
	b.WriteString("| Service | Revision | Images | Deployed | Age |\n|---|---|---|---|---|\n")
	for _, s := range services {
		e := entries[s]
		var imgs []string
		for _, n := range slices.Sorted(maps.Keys(e.Images)) {
			imgs = append(imgs, "`"+n+"` "+e.Images[n])
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", s, e.TaskDefinition, strings.Join(imgs, "<br>"),
			e.DeployedAt.Format(time.RFC3339), now.Sub(e.DeployedAt).Round(time.Second))
	}
	return b.String()
}
