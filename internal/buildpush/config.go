// Package buildpush is the build-push action: it validates the inputs,
// fetches a pinned external source and applies patches, computes the build
// context digest, and then either promotes an existing image, skips a build
// it has done before (adding tags only), or builds with buildah or docker
// buildx and pushes by digest with tags written last. With the ECR API it
// logs in, creates the repository, records images and gates on scans.
package buildpush

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/builder"
	"github.com/ecsflow/ecsflow/internal/ecr"
	"github.com/ecsflow/ecsflow/internal/gitsource"
	"github.com/ecsflow/ecsflow/internal/inputs"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/tagtmpl"
)

// Config is the validated inputs.
type Config struct {
	Context string
	// ContextDir is where the build context is read from: Context taken
	// from the workspace (outfile.ReadRule), or with Source, Context as
	// given (it is then joined to the checkout).
	ContextDir   string
	Dockerfile   string
	Repository   string
	Registry     string
	TagTemplates []string
	Platforms    []string
	BuildArgs    []builder.KV
	Labels       []builder.KV
	Target       string
	Builder      string
	Source       *gitsource.Ref
	SourcePath   string
	PatchesDir   string
	SkipIfExists bool
	CreateRepo   bool
	PromoteFrom  string
	Scan         string
	FailOn       string
	ScanTimeout  time.Duration
	Push         bool
	// UseECR says whether the ECR API is called (login, repository,
	// record, scan).
	UseECR bool
}

var (
	repoRE     = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)
	hostRE     = regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]{1,5})?$`)
	platformRE = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$`)
	labelKeyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
	argKeyRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	digestRE   = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// SandboxRegistryEnv names the variable the local sandbox sets to its OCI
// registry host (see internal/testenv/sandbox).
const SandboxRegistryEnv = "ECSFLOW_REGISTRY"

// ParseConfig reads and validates every input; nothing outside the process
// is touched. Each error is an *inputs.Error naming one input.
//
// On the local sandbox (AWS_ENDPOINT_URL on loopback and ECSFLOW_REGISTRY
// set) an empty registry means the sandbox's registry, paired with the ECR
// API of the stand-in, so a workflow runs unchanged against the sandbox.
func ParseConfig(in *inputs.Inputs, getenv func(string) string) (*Config, error) {
	c := &Config{
		Context:     in.String("context"),
		Dockerfile:  in.String("dockerfile"),
		Registry:    in.String("registry"),
		Target:      in.String("target"),
		SourcePath:  in.String("source-path"),
		PatchesDir:  in.String("patches"),
		PromoteFrom: in.String("promote-from"),
	}
	for _, parse := range []func(*Config, *inputs.Inputs, func(string) string) error{parseImage, parseSwitches, parseECR, parseSource} {
		if err := parse(c, in, getenv); err != nil {
			return nil, err
		}
	}
	if c.PromoteFrom != "" {
		if !c.Push {
			return nil, inputs.Errorf("push", "false", "cannot be false with promote-from: a promotion is a push")
		}
		if c.Source != nil {
			return nil, inputs.Errorf("promote-from", c.PromoteFrom, "cannot be combined with source: a promotion copies an existing image and builds nothing")
		}
		if strings.HasPrefix(c.PromoteFrom, "sha256:") && !digestRE.MatchString(c.PromoteFrom) {
			return nil, inputs.Errorf("promote-from", c.PromoteFrom, "is not a sha256 digest (sha256: and 64 lower-case hex digits)")
		}
		if err := checkPromoteFrom(c.PromoteFrom, c.Repository); err != nil {
			return nil, err
		}
		return c, nil
	}
	c.ContextDir = c.Context
	if c.Source == nil {
		c.ContextDir = outfile.FromEnv(getenv).ReadPath(c.Context)
		if err := checkBuildFiles(c.Context, c.ContextDir, outfile.ReadRule, c.Dockerfile); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// parseImage checks what names and describes the image: repository,
// registry, tags, platforms, build arguments, labels and builder.
func parseImage(c *Config, in *inputs.Inputs, _ func(string) string) error {
	var err error
	if c.Repository, err = in.Required("repository"); err != nil {
		return err
	}
	if len(c.Repository) < 2 || len(c.Repository) > 256 || !repoRE.MatchString(c.Repository) {
		return inputs.Errorf("repository", c.Repository, "is not a repository name; use lower-case letters, digits, . _ - and / between parts, 2 to 256 characters")
	}
	if c.Registry != "" && (!hostRE.MatchString(c.Registry) || strings.Contains(c.Registry, "://")) {
		return inputs.Errorf("registry", c.Registry, "is not a registry host; give host or host:port without scheme or path, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com")
	}
	c.TagTemplates = in.List("tags")
	if err := tagtmpl.Check(c.TagTemplates); err != nil {
		return inputs.Errorf("tags", in.String("tags"), "%s", strings.TrimPrefix(err.Error(), "tag "))
	}
	for _, p := range in.List("platforms") {
		if !platformRE.MatchString(p) {
			return inputs.Errorf("platforms", p, "is not a platform; write os/arch[/variant], e.g. linux/amd64 or linux/arm64")
		}
		c.Platforms = append(c.Platforms, p)
	}
	if c.BuildArgs, err = kvs(in, "build-args", argKeyRE); err != nil {
		return err
	}
	if c.Labels, err = kvs(in, "labels", labelKeyRE); err != nil {
		return err
	}
	c.Builder, err = in.Enum("builder", builder.Names...)
	return err
}

// parseSwitches checks the switches and the scan settings.
func parseSwitches(c *Config, in *inputs.Inputs, _ func(string) string) error {
	var err error
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"skip-if-exists", &c.SkipIfExists}, {"create-repository", &c.CreateRepo}, {"push", &c.Push}} {
		if *b.dst, err = in.Bool(b.name); err != nil {
			return err
		}
	}
	if c.Scan, err = in.Enum("scan", "none", "ecr"); err != nil {
		return err
	}
	if c.FailOn, err = in.Enum("fail-on-severity", "CRITICAL", "HIGH", "MEDIUM", "LOW"); err != nil {
		return err
	}
	c.ScanTimeout, err = in.Duration("scan-timeout", 10*time.Second, 2*time.Hour)
	return err
}

// parseECR decides whether the ECR API is used (ecr: auto, true, false),
// and on the local sandbox fills an empty registry with its own.
func parseECR(c *Config, in *inputs.Inputs, getenv func(string) string) error {
	mode, err := in.Enum("ecr", "auto", "true", "false")
	if err != nil {
		return err
	}
	sandboxed := false
	if getenv != nil && c.Registry == "" && getenv(SandboxRegistryEnv) != "" && awsconfig.IsLocal(getenv, "ecr") {
		c.Registry, sandboxed = getenv(SandboxRegistryEnv), true
	}
	_, isECR := ecr.IsECRHost(c.Registry)
	switch {
	case !c.Push:
		// A build that is not pushed touches neither the registry nor AWS
		// (pull-request builds run without credentials).
		if c.Scan == "ecr" {
			return inputs.Errorf("scan", "ecr", "needs push: true; ECR scans images in the repository")
		}
		c.UseECR = false
	case mode == "auto":
		c.UseECR = c.Registry == "" || isECR || sandboxed
	case mode == "true":
		c.UseECR = true
	case mode == "false":
		if c.Registry == "" {
			return inputs.Errorf("registry", "", "is empty while ecr is false; give the registry host, or let ecr be auto to use the account's ECR registry")
		}
		if isECR {
			return inputs.Errorf("ecr", "false", "cannot be false for an ECR registry host (%s): the login needs the ECR API", c.Registry)
		}
	}
	if c.Scan == "ecr" && !c.UseECR {
		return inputs.Errorf("scan", "ecr", "needs the ECR API, but registry %s is not ECR and ecr is not true", c.Registry)
	}
	return nil
}

// parseSource checks the external source, its path and its patches.
func parseSource(c *Config, in *inputs.Inputs, getenv func(string) string) error {
	if s := in.String("source"); s != "" {
		ref, err := gitsource.Parse(s)
		if err != nil {
			return inputs.Errorf("source", s, "%s", err.Error())
		}
		c.Source = &ref
		if filepath.IsAbs(c.SourcePath) || strings.HasPrefix(filepath.Clean(c.SourcePath), "..") {
			return inputs.Errorf("source-path", c.SourcePath, "must be a relative path inside the source repository")
		}
	} else if in.IsSet("source-path") && c.SourcePath != "." {
		return inputs.Errorf("source-path", c.SourcePath, "is set but source is empty; give source as URL@COMMIT")
	}
	if c.PatchesDir != "" {
		if c.Source == nil {
			return inputs.Errorf("patches", c.PatchesDir, "applies only to an external source; set source as URL@COMMIT or drop patches")
		}
		dir := outfile.FromEnv(getenv).ReadPath(c.PatchesDir)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return inputs.Errorf("patches", c.PatchesDir, "is not a directory (looked for %s); give the directory holding the *.patch files, %s", dir, outfile.ReadRule)
		}
		c.PatchesDir = dir
	}
	return nil
}

// checkPromoteFrom checks the form of promote-from before the registry is
// known (an empty registry is only resolved by the ECR login), so a
// reference without tag or digest is refused before any call. The host
// stands in for the target registry and does not change the verdict.
func checkPromoteFrom(from, repo string) error {
	src, err := promoteSource(from, "registry.invalid", repo)
	if err != nil {
		return inputs.Errorf("promote-from", from, "%s", err.Error())
	}
	if _, err := name.ParseReference(src, name.StrictValidation); err != nil {
		return inputs.Errorf("promote-from", from, "is not an image reference: %v", err)
	}
	return nil
}

// checkBuildFiles reports a missing context (the input, and ctxDir where
// it was looked for, by rule) or Dockerfile as input errors.
func checkBuildFiles(context, ctxDir, rule, dockerfile string) error {
	st, err := os.Stat(ctxDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return inputs.Errorf("context", context, "does not exist (looked for %s); give the build context directory, %s", ctxDir, rule)
	case err != nil || !st.IsDir():
		return inputs.Errorf("context", context, "is not a directory (looked for %s); give the build context directory, %s", ctxDir, rule)
	}
	df := dockerfile
	if !filepath.IsAbs(df) {
		df = filepath.Join(ctxDir, df)
	}
	if st, err := os.Stat(df); err != nil || st.IsDir() {
		return inputs.Errorf("dockerfile", dockerfile, "does not exist at %s; the path is relative to the build context", df)
	}
	return nil
}

func kvs(in *inputs.Inputs, name string, keyRE *regexp.Regexp) ([]builder.KV, error) {
	m, err := in.Map(name)
	if err != nil {
		return nil, err
	}
	out := make([]builder.KV, 0, len(m))
	for _, kv := range m {
		if !keyRE.MatchString(kv.Key) {
			return nil, inputs.Errorf(name, kv.Key+"="+kv.Value, "has an invalid key %q", kv.Key)
		}
		out = append(out, builder.KV{Key: kv.Key, Value: kv.Value})
	}
	return out, nil
}

// promoteSource turns promote-from into a registry reference: a bare
// digest names the target repository; a reference without a registry host
// names a repository in the target registry.
func promoteSource(from, host, repo string) (string, error) {
	if digestRE.MatchString(from) {
		return host + "/" + repo + "@" + from, nil
	}
	first, _, _ := strings.Cut(from, "/")
	if !strings.ContainsAny(first, ".:") && first != "localhost" {
		from = host + "/" + from
	}
	if !strings.Contains(from, "@") && !strings.Contains(lastPart(from), ":") {
		return "", errors.New("names neither a tag nor a digest; write repo:tag or repo@sha256:<digest>")
	}
	return from, nil
}

func lastPart(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}
