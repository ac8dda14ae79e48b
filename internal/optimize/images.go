package optimize

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/ecr"
	"github.com/ecsflow/ecsflow/internal/registry"
)

// imageTimeout bounds reading one image's manifest, so an unreachable
// registry costs the report one ARM64 recommendation, not the run.
const imageTimeout = 30 * time.Second

// platformReader reads the platforms an image runs on.
type platformReader interface {
	Platforms(ctx context.Context, ref name.Reference) ([]string, error)
}

// images reads the platforms of the images of x86_64 services from their
// registries: ECR hosts with a token from GetAuthorizationToken (as
// build-push logs in), other hosts through fallback (the Docker config),
// loopback hosts over plain HTTP. An image that cannot be read keeps nil
// platforms and the reason, which the report shows as "not enough data".
func images(ctx context.Context, api ecr.TokenAPI, fallback authn.Keychain, now time.Time, services []cost.Service) []string {
	hosts := map[string]authn.Authenticator{}
	failed := map[string]string{}
	for _, s := range services {
		if !needsPlatforms(s) {
			continue
		}
		for _, im := range s.Images {
			host, _, _ := strings.Cut(im.Ref, "/")
			if _, ok := ecr.IsECRHost(host); !ok || hosts[host] != nil || failed[host] != "" {
				continue
			}
			login, err := ecr.GetLoginFor(ctx, api, host, now)
			if err != nil {
				failed[host] = fmt.Sprintf("no ECR login for %s: %v", host, err)
				continue
			}
			hosts[host] = &authn.Basic{Username: login.Username, Password: login.Password}
		}
	}
	reg := registry.New(registry.WithKeychain(registry.Keychain{Hosts: hosts, Fallback: fallback}))
	return readPlatforms(ctx, reg, failed, services)
}

// needsPlatforms reports whether the platforms of s's images can change
// the report: only an x86_64 task can move to ARM64, so a task already on
// ARM64 costs no registry call (nor the ECR permissions).
func needsPlatforms(s cost.Service) bool { return !strings.EqualFold(s.Architecture, "ARM64") }

// readPlatforms fills in each image's platforms (once per reference) and
// returns a line per image for the log.
func readPlatforms(ctx context.Context, r platformReader, failed map[string]string, services []cost.Service) []string {
	type answer struct {
		platforms []string
		why       string
	}
	seen := map[string]answer{}
	var log []string
	for i := range services {
		if !needsPlatforms(services[i]) {
			continue
		}
		for j := range services[i].Images {
			im := &services[i].Images[j]
			a, ok := seen[im.Ref]
			if !ok {
				a.platforms, a.why = readOne(ctx, r, failed, im.Ref)
				seen[im.Ref] = a
				if a.why != "" {
					log = append(log, fmt.Sprintf("%s: platforms not known: %s", im.Ref, a.why))
				} else {
					log = append(log, fmt.Sprintf("%s: %s", im.Ref, strings.Join(a.platforms, ", ")))
				}
			}
			im.Platforms, im.Unreadable = a.platforms, a.why
		}
	}
	return log
}

func readOne(ctx context.Context, r platformReader, failed map[string]string, ref string) ([]string, string) {
	host, _, _ := strings.Cut(ref, "/")
	if why := failed[host]; why != "" {
		return nil, why
	}
	// Weak validation, as ECS takes "nginx" for docker.io/library/nginx:latest.
	var opts []name.Option
	if registry.IsLoopback(host) {
		opts = append(opts, name.Insecure)
	}
	parsed, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Sprintf("not an image reference: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, imageTimeout)
	defer cancel()
	p, err := r.Platforms(ctx, parsed)
	if err != nil {
		return nil, capped(err.Error())
	}
	return p, ""
}

// maxReason is how much of a registry's error the report keeps.
const maxReason = 300

func capped(s string) string {
	if len(s) <= maxReason {
		return s
	}
	return s[:maxReason] + "…"
}
