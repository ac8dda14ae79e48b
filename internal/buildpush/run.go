package buildpush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/buildctx"
	"github.com/ecsflow/ecsflow/internal/builder"
	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/clock"
	"github.com/ecsflow/ecsflow/internal/ecr"
	"github.com/ecsflow/ecsflow/internal/exitcode"
	"github.com/ecsflow/ecsflow/internal/gha"
	"github.com/ecsflow/ecsflow/internal/gitsource"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/registry"
	"github.com/ecsflow/ecsflow/internal/tagtmpl"
)

// Deps are the outside world, replaceable by tests. Zero values mean the
// real thing.
type Deps struct {
	// ECR returns the ECR client; nil builds one from aws-region,
	// role-to-assume and the default credential chain.
	ECR func(ctx context.Context, env *cli.Env) (ecr.API, error)
	// Transport carries registry requests (tests count or break them).
	Transport http.RoundTripper
	// Keychain supplies registry credentials for hosts other than the ECR
	// registry; nil is the Docker config (docker login).
	Keychain authn.Keychain
	// Builder options (buildah storage, exec) and detection.
	BuilderOptions builder.Options
	Detect         func(ctx context.Context, name string, o builder.Options) (builder.Builder, error)
	// Git runs git for sources and commit facts.
	Git gitsource.Runner
	// ScanClock and ScanPoll drive the scan wait.
	ScanClock clock.Clock
	ScanPoll  time.Duration
}

// Result is what one run did, for outputs, the summary and tests.
type Result struct {
	Image         string
	Digest        string
	Tags          []string
	Outcome       string // built, skipped, promoted, built-not-pushed
	ContextDigest string
	Size          int64
	Platforms     []string
	Scan          *ecr.ScanResult
	Steps         []Step
	Traffic       registry.Stats
	Builder       string
}

// Step is one timed phase of a run.
type Step struct {
	Name     string
	Duration time.Duration
}

// Run is the build-push action: ParseConfig reads the inputs without any
// AWS call, then it builds or promotes the image, scans it, sets the
// outputs and writes the summary.
func Run(ctx context.Context, env *cli.Env, deps Deps) error {
	_, err := execute(ctx, env, deps)
	return err
}

type runner struct {
	env   *cli.Env
	deps  Deps
	cfg   *Config
	res   *Result
	count *registry.Counter
	reg   *registry.Client
	api   ecr.API
	now   func() time.Time
	// mutable is true only for an ECR repository with mutable tags; any
	// other registry is treated as immutable.
	mutable bool
}

func (r *runner) step(name string, fn func() error) error {
	start := r.now()
	end := r.env.Console.Group(name)
	err := fn()
	end()
	r.res.Steps = append(r.res.Steps, Step{Name: name, Duration: r.now().Sub(start)})
	return err
}

// execute is Run returning what the run did, for tests.
func execute(ctx context.Context, env *cli.Env, deps Deps) (*Result, error) {
	cfg, err := ParseConfig(env.Inputs, env.Getenv)
	if err != nil {
		return nil, err
	}
	now := env.Now
	if now == nil {
		now = time.Now
	}
	if deps.Git == nil {
		deps.Git = gitsource.Git
	}
	if deps.Detect == nil {
		deps.Detect = builder.Detect
	}
	next := deps.Transport
	if next == nil {
		next = remote.DefaultTransport
	}
	r := &runner{env: env, deps: deps, cfg: cfg, res: &Result{}, count: registry.NewCounter(next), now: now}
	err = r.run(ctx)
	r.res.Traffic = r.count.Stats()
	if err == nil {
		r.outputs()
	}
	r.summary(err)
	return r.res, classify(err)
}

func (r *runner) run(ctx context.Context) error {
	cfg := r.cfg

	// 1. Tags resolve before anything else happens.
	facts := r.facts(ctx)
	tags, err := tagtmpl.Resolve(cfg.TagTemplates, facts)
	if err != nil {
		return inputs.Errorf("tags", strings.Join(cfg.TagTemplates, ","), "%s", strings.TrimPrefix(err.Error(), "tag "))
	}
	r.res.Tags = tags

	// 2. External source, pinned and patched.
	src, cleanup, err := r.source(ctx, facts)
	defer cleanup()
	if err != nil {
		return err
	}

	// 3. Registry and ECR (not needed for a build that is not pushed).
	if cfg.Push {
		if err := r.step("Connect to the registry", func() error { return r.connect(ctx) }); err != nil {
			return err
		}
	}
	repo, err := r.repository()
	if err != nil {
		return err
	}

	if cfg.PromoteFrom != "" {
		return r.promote(ctx, repo, tags)
	}
	return r.buildAndPush(ctx, repo, src, facts, tags)
}

// buildAndPush hashes the context, skips a context built before, builds
// the image and pushes it with its tags (or only builds it when push is
// off).
func (r *runner) buildAndPush(ctx context.Context, repo name.Repository, src buildSource, facts tagtmpl.Facts, tags []string) error {
	cfg := r.cfg
	if cfg.Source != nil {
		if err := checkBuildFiles(cfg.Context, src.dir, "with source it is taken from source-path inside the checkout", src.dockerfile); err != nil {
			return err
		}
	}
	sum, err := r.hashContext(src)
	if err != nil {
		return err
	}
	r.res.ContextDigest = sum.Digest

	// 4. Skip when this context was built before.
	if cfg.SkipIfExists && cfg.Push {
		if done, err := r.skipIfBuilt(ctx, repo, sum, tags); done || err != nil {
			return err
		}
	}

	// 5. Build.
	out, err := os.MkdirTemp("", "ecsflow-image-")
	if err != nil {
		return fmt.Errorf("failed to create a directory for the image: %w", err)
	}
	defer os.RemoveAll(out)
	art, err := r.build(ctx, src, r.imageLabels(facts, src, sum), filepath.Join(out, "layout"))
	if err != nil {
		return err
	}
	d, err := art.Digest()
	if err != nil {
		return err
	}
	r.res.Platforms = art.Platforms()
	if !cfg.Push {
		r.builtNotPushed(repo, art, d)
		return nil
	}
	// 6. Push by digest, then tags (checked first: nothing is written when
	// a tag belongs to another image).
	if err := r.push(ctx, repo, art, d, tags); err != nil {
		return err
	}
	if err := r.tagAll(ctx, repo, art, d, tags, sum.Digest); err != nil {
		return err
	}
	r.res.Outcome = "built"
	return r.finish(ctx, repo, art, d)
}

// repository is the image's repository in the registry.
func (r *runner) repository() (name.Repository, error) {
	host := r.cfg.Registry
	if host == "" {
		host = "localhost" // push: false without a registry: the name is only a label
	}
	repo, err := registry.Repository(host, r.cfg.Repository)
	if err != nil {
		return repo, inputs.Errorf("repository", r.cfg.Repository, "does not form a valid reference with registry %s: %v", host, err)
	}
	return repo, nil
}

// builtNotPushed records the result of a build that is not pushed.
func (r *runner) builtNotPushed(repo name.Repository, art registry.Artifact, d v1.Hash) {
	r.res.Outcome = "built-not-pushed"
	r.res.Digest = d.String()
	r.res.Image = repo.String() + "@" + d.String()
	if r.cfg.Registry == "" {
		r.res.Image = r.cfg.Repository + "@" + d.String()
	}
	r.res.Size, _ = art.Size()
}

// buildSource is what the image is built from: the workspace, or the
// external source checked out at its pinned commit with its patches.
type buildSource struct {
	dir, dockerfile string
	patches         []buildctx.Patch
	// timestamp is the commit time (Unix seconds), the image's creation
	// time so that the same commit builds the same bytes.
	timestamp int64
	revision  string
	// url is the repository the source comes from, credentials redacted.
	url string
}

// source resolves what to build and returns a cleanup that removes the
// checkout (a no-op for the workspace); call it even when err is not nil.
func (r *runner) source(ctx context.Context, facts tagtmpl.Facts) (buildSource, func(), error) {
	cfg, c := r.cfg, r.env.Console
	src := buildSource{dir: cfg.ContextDir, dockerfile: cfg.Dockerfile, timestamp: commitTime(ctx, r.deps.Git, cfg.ContextDir),
		revision: facts.SHA, url: repoURL(r.env.Getenv)}
	if cfg.Source == nil {
		return src, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "ecsflow-source-")
	if err != nil {
		return src, func() {}, fmt.Errorf("failed to create a directory for the source: %w", err)
	}
	cleanup := func() { os.RemoveAll(tmp) }
	err = r.step("Fetch source "+cfg.Source.String(), func() error {
		if cfg.PatchesDir != "" {
			var err error
			if src.patches, err = buildctx.ReadPatches(cfg.PatchesDir); err != nil {
				return inputs.Errorf("patches", cfg.PatchesDir, "cannot be read: %v", err)
			}
		}
		co, err := gitsource.Fetch(ctx, r.deps.Git, *cfg.Source, filepath.Join(tmp, "src"), src.patches)
		if err != nil {
			var ie *gitsource.InputError
			if errors.As(err, &ie) {
				return inputs.Errorf(ie.Input, "", "%s", ie.Reason)
			}
			return err
		}
		c.Infof("checked out %s with %d patch(es)", cfg.Source, len(src.patches))
		src.dir = filepath.Join(co.Dir, cfg.SourcePath, cfg.Context)
		src.timestamp = co.CommitTime
		src.revision, src.url = cfg.Source.Commit, gitsource.Redact(cfg.Source.URL)
		return nil
	})
	return src, cleanup, err
}

// hashContext computes the context digest the image is labelled with.
func (r *runner) hashContext(src buildSource) (buildctx.Result, error) {
	cfg := r.cfg
	spec := buildctx.Spec{
		Context: src.dir, Dockerfile: src.dockerfile, Target: cfg.Target, Platforms: cfg.Platforms,
		BuildArgs: toCtxKV(cfg.BuildArgs), Labels: toCtxKV(cfg.Labels), Patches: src.patches,
	}
	if cfg.Source != nil {
		spec.SourceURL, spec.SourceCommit = gitsource.Redact(cfg.Source.URL), cfg.Source.Commit
	}
	var sum buildctx.Result
	err := r.step("Hash the build context", func() error {
		var err error
		if sum, err = buildctx.Compute(spec); err != nil {
			return err
		}
		r.env.Console.Infof("context digest %s (%d files, %d bytes)", sum.Digest, sum.Files, sum.Bytes)
		return nil
	})
	return sum, err
}

// skipIfBuilt looks for an image built from the same context; when there
// is one it only adds the tags and finishes the run (done is true).
func (r *runner) skipIfBuilt(ctx context.Context, repo name.Repository, sum buildctx.Result, tags []string) (done bool, err error) {
	var found v1.Hash
	var ok bool
	if err := r.step("Look for an image with this context digest", func() error {
		found, ok, err = r.reg.FindByContext(ctx, repo, sum.Digest, buildctx.Label)
		return err
	}); err != nil || !ok {
		return false, err
	}
	r.env.Console.Infof("%s@%s was built from this context; adding tags only", repo, found)
	a, err := r.reg.Get(ctx, repo.Digest(found.String()))
	if err != nil {
		return true, err
	}
	if err := r.tagAll(ctx, repo, a, found, tags, sum.Digest); err != nil {
		return true, err
	}
	r.res.Outcome = "skipped"
	return true, r.finish(ctx, repo, a, found)
}

// imageLabels are the labels of the image: the user's, the context digest
// and the OCI annotations of its origin.
func (r *runner) imageLabels(facts tagtmpl.Facts, src buildSource, sum buildctx.Result) []builder.KV {
	labels := append([]builder.KV(nil), r.cfg.Labels...)
	labels = append(labels,
		builder.KV{Key: buildctx.Label, Value: sum.Digest},
		builder.KV{Key: "org.opencontainers.image.created", Value: time.Unix(src.timestamp, 0).UTC().Format(time.RFC3339)},
		builder.KV{Key: "org.opencontainers.image.revision", Value: src.revision},
	)
	// The version is the release (v1.2.3 tag) or the commit, never the tag
	// list, so the same commit builds the same image whatever tags it gets.
	if v, err := tagtmpl.Resolve([]string{"semver?", "short-sha?"}, facts); err == nil {
		labels = append(labels, builder.KV{Key: "org.opencontainers.image.version", Value: v[0]})
	}
	if src.url != "" {
		labels = append(labels, builder.KV{Key: "org.opencontainers.image.source", Value: src.url})
	}
	if r.cfg.Source != nil && len(src.patches) > 0 {
		names := make([]string, len(src.patches))
		for i, p := range src.patches {
			names[i] = p.Name
		}
		labels = append(labels, builder.KV{Key: "io.ecsflow.patches", Value: strings.Join(names, ",")})
	}
	return labels
}

// build builds the image with the detected builder into an OCI layout at
// layout and loads it.
func (r *runner) build(ctx context.Context, src buildSource, labels []builder.KV, layout string) (registry.Artifact, error) {
	cfg, c := r.cfg, r.env.Console
	var art registry.Artifact
	err := r.step("Build", func() error {
		bo := r.deps.BuilderOptions
		if bo.Log == nil {
			lw := &lineWriter{c: c}
			defer lw.Flush()
			bo.Log = lw
		}
		b, err := r.deps.Detect(ctx, cfg.Builder, bo)
		if err != nil {
			var ue *builder.UnavailableError
			if errors.As(err, &ue) {
				return inputs.Errorf("builder", cfg.Builder, "%s", err.Error())
			}
			return err
		}
		r.res.Builder = b.Name()
		req := builder.Request{
			Context: src.dir, Dockerfile: src.dockerfile, Platforms: cfg.Platforms, BuildArgs: cfg.BuildArgs,
			Labels: labels, Target: cfg.Target, Timestamp: src.timestamp, OutDir: layout,
		}
		if registry.IsLoopback(cfg.Registry) {
			req.InsecureRegistries = []string{cfg.Registry}
		}
		c.Infof("building with %s for %s", b.Name(), platformsText(cfg.Platforms))
		if err := b.Build(ctx, req); err != nil {
			return err
		}
		art, err = registry.LoadLayout(req.OutDir)
		return err
	})
	return art, err
}

// push pushes the image by digest, after checking that no tag it will get
// belongs to another image in an immutable repository.
func (r *runner) push(ctx context.Context, repo name.Repository, art registry.Artifact, d v1.Hash, tags []string) error {
	return r.step("Push", func() error {
		if r.immutable() {
			if err := r.reg.CheckTags(ctx, repo, tags, d); err != nil {
				return err
			}
		}
		if _, err := r.reg.Push(ctx, repo, art); err != nil {
			return err
		}
		r.env.Console.Infof("pushed %s@%s", repo, d)
		return nil
	})
}

// connect sets up ECR (login, repository) and the registry client.
func (r *runner) connect(ctx context.Context) error {
	cfg, c := r.cfg, r.env.Console
	hosts := map[string]authn.Authenticator{}
	if cfg.UseECR {
		var err error
		newAPI := r.deps.ECR
		if newAPI == nil {
			newAPI = defaultECR
		}
		if r.api, err = newAPI(ctx, r.env); err != nil {
			return err
		}
		_, isECR := ecr.IsECRHost(cfg.Registry)
		if cfg.Registry == "" || isECR {
			login, err := ecr.GetLogin(ctx, r.api, r.now())
			c.Mask(login.Password)
			if err != nil {
				if errors.Is(err, ecr.ErrExpired) {
					return exitcode.BadInputf("registry %s refused the credentials: %v (a stand-in such as moto cannot serve the real ECR host; give the local registry as registry)", login.Host, err)
				}
				if isAccessDenied(err) {
					return exitcode.BadInputf("ECR refused the credentials: %v; grant ecr:GetAuthorizationToken to the role", err)
				}
				return err
			}
			if cfg.Registry == "" {
				cfg.Registry = login.Host
			}
			hosts[cfg.Registry] = &authn.Basic{Username: login.Username, Password: login.Password}
			c.Infof("logged in to %s (token valid until %s)", cfg.Registry, login.ExpiresAt.UTC().Format(time.RFC3339))
		}
		if cfg.PromoteFrom != "" {
			// A promotion from another account or region needs that
			// registry's token too.
			if src, err := promoteSource(cfg.PromoteFrom, cfg.Registry, cfg.Repository); err == nil {
				host, _, _ := strings.Cut(src, "/")
				if _, ok := ecr.IsECRHost(host); ok && host != cfg.Registry {
					login, err := ecr.GetLoginFor(ctx, r.api, host, r.now())
					c.Mask(login.Password)
					if err != nil {
						if isAccessDenied(err) || errors.Is(err, ecr.ErrExpired) {
							return exitcode.BadInputf("ECR refused the credentials for the promotion source %s: %v; the source repository policy must allow this role to pull", host, err)
						}
						return err
					}
					hosts[host] = &authn.Basic{Username: login.Username, Password: login.Password}
					c.Infof("logged in to the promotion source %s", host)
				}
			}
		}
		repoInfo, err := ecr.EnsureRepository(ctx, r.api, cfg.Repository, cfg.CreateRepo)
		if err != nil {
			var nf *ecr.NotFoundError
			if errors.As(err, &nf) {
				return inputs.Errorf("repository", cfg.Repository, "%s", err.Error())
			}
			if isAccessDenied(err) {
				return exitcode.BadInputf("ECR refused the credentials: %v", err)
			}
			return err
		}
		r.mutable = !repoInfo.Immutable
		if repoInfo.Created {
			c.Noticef("created ECR repository %s (immutable tags, scan on push)", cfg.Repository)
		}
	}
	fallback := r.deps.Keychain
	if fallback == nil {
		fallback = authn.DefaultKeychain
	}
	r.reg = registry.New(registry.WithTransport(r.count), registry.WithKeychain(registry.Keychain{Hosts: hosts, Fallback: fallback}))
	return nil
}

func defaultECR(ctx context.Context, env *cli.Env) (ecr.API, error) {
	o := awsconfig.FromInputs(env.Inputs, env.Getenv, env.Console)
	cfg, err := awsconfig.Load(ctx, o)
	if err != nil {
		return nil, err
	}
	return awsecr.NewFromConfig(cfg), nil
}

func isAccessDenied(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException":
		return true
	}
	return false
}

// promote copies promote-from into the target repository and tags it.
func (r *runner) promote(ctx context.Context, repo name.Repository, tags []string) error {
	cfg, c := r.cfg, r.env.Console
	src, err := promoteSource(cfg.PromoteFrom, cfg.Registry, cfg.Repository)
	if err != nil {
		return inputs.Errorf("promote-from", cfg.PromoteFrom, "%s", err.Error())
	}
	opts := []name.Option{name.StrictValidation}
	if first, _, _ := strings.Cut(src, "/"); registry.IsLoopback(first) {
		opts = append(opts, name.Insecure)
	}
	ref, err := name.ParseReference(src, opts...)
	if err != nil {
		return inputs.Errorf("promote-from", cfg.PromoteFrom, "is not an image reference: %v", err)
	}
	var art registry.Artifact
	var d v1.Hash
	if err := r.step("Promote "+ref.String(), func() error {
		art, err = r.reg.Get(ctx, ref)
		if err != nil {
			if registry.IsNotFound(err) {
				return inputs.Errorf("promote-from", cfg.PromoteFrom, "does not exist in the registry (%s); check the repository and digest", ref)
			}
			return err
		}
		if d, err = art.Digest(); err != nil {
			return err
		}
		if r.immutable() {
			if err := r.reg.CheckTags(ctx, repo, tags, d); err != nil {
				return err
			}
		}
		if _, _, err := r.reg.Copy(ctx, ref.Context().Digest(d.String()), repo); err != nil {
			return err
		}
		c.Infof("copied %s@%s to %s", ref.Context(), d, repo)
		return nil
	}); err != nil {
		return err
	}
	if labels, err := art.Labels(); err == nil {
		r.res.ContextDigest = labels[buildctx.Label]
	}
	if err := r.tagAll(ctx, repo, art, d, tags, ""); err != nil {
		return err
	}
	r.res.Outcome = "promoted"
	r.res.Platforms = art.Platforms()
	return r.finish(ctx, repo, art, d)
}

// tagAll writes the requested tags and then the context tag, in the
// registry and, when the layers live outside ECR, in the ECR API.
func (r *runner) tagAll(ctx context.Context, repo name.Repository, art registry.Artifact, d v1.Hash, tags []string, contextDigest string) error {
	return r.step("Tag", func() error {
		if r.immutable() {
			if err := r.reg.CheckTags(ctx, repo, tags, d); err != nil {
				return err
			}
		}
		all := append([]string(nil), tags...)
		if contextDigest != "" {
			// The context tag keeps naming the first image built from this
			// context; a rebuild with another digest (skip-if-exists: false
			// and a builder that is not reproducible) leaves it alone.
			ct := registry.ContextTag(contextDigest)
			got, ok, err := r.reg.Resolve(ctx, repo, ct)
			if err != nil {
				return err
			}
			if !ok || got == d {
				all = append(all, ct)
			} else {
				r.env.Console.Infof("context tag %s already names %s; left as it is", ct, got)
			}
		}
		if r.mirror() {
			raw, err := art.RawManifest()
			if err != nil {
				return err
			}
			mt, err := art.MediaType()
			if err != nil {
				return err
			}
			// The platform images of a list first (untagged), as a registry
			// push would create them, so ECR can scan each.
			if art.IsIndex() {
				ms, err := art.ImageManifests()
				if err != nil {
					return err
				}
				for _, m := range ms {
					if err := ecr.RecordUntagged(ctx, r.api, r.cfg.Repository, m.Raw, m.MediaType, m.Digest); err != nil {
						return err
					}
				}
			}
			// ECR first: it enforces immutability on its side too.
			if err := ecr.Record(ctx, r.api, r.cfg.Repository, raw, string(mt), all, d.String()); err != nil {
				return err
			}
		}
		if err := r.reg.Tag(ctx, repo, d, all); err != nil {
			return err
		}
		r.env.Console.Infof("tagged %s", strings.Join(tags, ", "))
		return nil
	})
}

// mirror reports whether images are recorded in the ECR API separately
// from the layer registry (the sandbox: moto + a local OCI registry).
func (r *runner) mirror() bool {
	if !r.cfg.UseECR || r.api == nil {
		return false
	}
	_, isECR := ecr.IsECRHost(r.cfg.Registry)
	return !isECR
}

func (r *runner) immutable() bool { return !r.mutable }

func (r *runner) finish(ctx context.Context, repo name.Repository, art registry.Artifact, d v1.Hash) error {
	r.res.Digest = d.String()
	r.res.Image = repo.String() + "@" + d.String()
	r.res.Size, _ = art.Size()
	if r.cfg.Scan != "ecr" {
		return nil
	}
	var sr ecr.ScanResult
	if err := r.step("Scan", func() error {
		// ECR scans image manifests: a manifest list is judged by the
		// findings of all its platform images.
		ms, err := art.ImageManifests()
		if err != nil {
			return err
		}
		for _, m := range ms {
			one, err := ecr.Scan(ctx, r.api, r.cfg.Repository, ecrtypes.ImageIdentifier{ImageDigest: aws.String(m.Digest)},
				ecr.ScanOptions{Timeout: r.cfg.ScanTimeout, Poll: r.deps.ScanPoll, FailOn: r.cfg.FailOn, Clock: r.deps.ScanClock})
			if err != nil {
				return err
			}
			sr.Merge(one)
		}
		return nil
	}); err != nil {
		return err
	}
	r.res.Scan = &sr
	if sr.Blocking > 0 {
		return exitcode.Negativef("the ECR scan of %s found %d finding(s) at or above %s (%s); fix them or raise fail-on-severity",
			r.res.Image, sr.Blocking, r.cfg.FailOn, countsText(sr.Counts))
	}
	return nil
}

// facts collects what tag templates resolve against: the GitHub
// environment first, the local git checkout otherwise.
func (r *runner) facts(ctx context.Context) tagtmpl.Facts {
	g := r.env.Getenv
	f := tagtmpl.Facts{SHA: g("GITHUB_SHA"), Ref: g("GITHUB_REF"), HeadRef: g("GITHUB_HEAD_REF"), Getenv: g}
	dir := r.cfg.ContextDir
	if ws := g("GITHUB_WORKSPACE"); ws != "" && r.cfg.Source != nil {
		dir = ws
	}
	sha, branch, tags, err := gitsource.HeadInfo(ctx, r.deps.Git, dir)
	if err == nil {
		if f.SHA == "" {
			f.SHA = sha
		}
		if f.Ref == "" && branch != "" {
			f.Ref = "refs/heads/" + branch
		}
		if f.SHA == sha {
			f.Tags = tags
		}
	}
	return f
}

func commitTime(ctx context.Context, git gitsource.Runner, dir string) int64 {
	out, err := git(ctx, dir, "show", "-s", "--format=%ct", "HEAD")
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	return n
}

func repoURL(getenv func(string) string) string {
	if s, repo := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"); s != "" && repo != "" {
		return s + "/" + repo
	}
	return ""
}

func toCtxKV(in []builder.KV) []buildctx.KV {
	out := make([]buildctx.KV, len(in))
	for i, kv := range in {
		out[i] = buildctx.KV{Key: kv.Key, Value: kv.Value}
	}
	return out
}

func platformsText(p []string) string {
	if len(p) == 0 {
		return "the builder's platform"
	}
	return strings.Join(p, ", ")
}

func countsText(m map[string]int) string {
	var parts []string
	for _, s := range ecr.Severities {
		if m[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, m[s]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// classify maps the errors of the libraries to exit codes: build failures,
// tag conflicts and scan verdicts are negative verdicts (1); refused
// credentials are bad input (2).
func classify(err error) error {
	if err == nil {
		return nil
	}
	var (
		be  *builder.BuildError
		ce  *registry.ConflictError
		ece *ecr.TagConflictError
		ae  *registry.AuthError
		ste *ecr.ScanTimeoutError
		sfe *ecr.ScanFailedError
	)
	switch {
	case errors.As(err, &be), errors.As(err, &ce), errors.As(err, &ece), errors.As(err, &ste), errors.As(err, &sfe):
		return &exitcode.Error{Code: exitcode.Negative, Err: err}
	case errors.As(err, &ae):
		return &exitcode.Error{Code: exitcode.BadInput, Err: err}
	}
	return err
}

func (r *runner) outputs() {
	c, res := r.env.Console, r.res
	c.SetOutput("image", res.Image)
	c.SetOutput("digest", res.Digest)
	c.SetOutput("tags", strings.Join(res.Tags, ","))
	c.SetOutput("built", strconv.FormatBool(res.Outcome == "built" || res.Outcome == "built-not-pushed"))
	c.SetOutput("result", res.Outcome)
	c.SetOutput("context-digest", res.ContextDigest)
	counts := map[string]int{}
	if res.Scan != nil {
		counts = res.Scan.Counts
	}
	js, _ := json.Marshal(counts)
	c.SetOutput("scan-findings", string(js))
}

// lineWriter forwards builder output to the console line by line.
type lineWriter struct {
	c   *gha.Console
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err == io.EOF {
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.c.Infof("%s", strings.TrimRight(line, "\r\n"))
	}
}

// Flush prints a last line that had no newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 0 {
		w.c.Infof("%s", w.buf.String())
		w.buf.Reset()
	}
}
