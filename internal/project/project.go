package project

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ecsflow/ecsflow/internal/suggest"
)

// DefaultFile is where the reusable workflows and validate look for the
// file when no other path is given, relative to the repository root.
const DefaultFile = "ecsflow.yaml"

// Version is the only format version there is.
const Version = 1

// Strategies are the deployment strategies a service may name: ECS's
// ROLLING, BLUE_GREEN, CANARY and LINEAR, spelled as deploy-ecs's strategy
// input spells them.
var Strategies = []string{"rolling", "blue-green", "canary", "linear"}

// DefaultStrategyKey is the key of a strategy map that covers the
// environments not named in it; it may not name an environment.
const DefaultStrategyKey = "default"

// Pos is a place in the file (1-based).
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

// Config is a parsed ecsflow.yaml. Images, services and environments keep
// the order of the file.
type Config struct {
	Version      int
	Images       []*Image
	Services     []*Service
	Environments []*Environment
}

// Image is an image built once per commit from one build context.
type Image struct {
	Name string
	// Context is the build context, relative to the repository root.
	Context string
	// Dockerfile is relative to the repository root; empty means
	// <context>/Dockerfile.
	Dockerfile string
	// Repository is the ECR repository name; empty means the image's name.
	Repository string
	// Pos is where the image's name is; At holds where each key is.
	Pos Pos
	At  map[string]Pos
}

// DockerfilePath is the Dockerfile the image is built from.
func (i *Image) DockerfilePath() string {
	if i.Dockerfile != "" {
		return i.Dockerfile
	}
	return path.Join(i.Context, "Dockerfile")
}

// RepositoryName is the ECR repository the image is pushed to.
func (i *Image) RepositoryName() string {
	if i.Repository != "" {
		return i.Repository
	}
	return i.Name
}

// Service is an ECS service that runs one image.
type Service struct {
	Name string
	// Image names an entry of images.
	Image string
	// Container is the container of the task definition that gets the
	// image; empty means the service's name.
	Container string
	// TaskDefinition is the task-definition JSON file, relative to the
	// repository root.
	TaskDefinition string
	// Strategy maps an environment (or DefaultStrategyKey) to a strategy;
	// nil keeps the strategy the service is configured with.
	Strategy map[string]string
	Pos      Pos
	At       map[string]Pos
}

// ContainerName is the container that gets the image.
func (s *Service) ContainerName() string {
	if s.Container != "" {
		return s.Container
	}
	return s.Name
}

// StrategyFor is the service's strategy in env: the env's entry, else the
// default, else "" (keep the service's own).
func (s *Service) StrategyFor(env string) string {
	if st, ok := s.Strategy[env]; ok {
		return st
	}
	return s.Strategy[DefaultStrategyKey]
}

// Environment is a deployment target.
type Environment struct {
	Name    string
	Cluster string
	Pos     Pos
	At      map[string]Pos
}

// Image returns the image named name.
func (c *Config) Image(name string) *Image {
	for _, i := range c.Images {
		if i.Name == name {
			return i
		}
	}
	return nil
}

// Service returns the service named name.
func (c *Config) Service(name string) *Service {
	for _, s := range c.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Environment returns the environment named name.
func (c *Config) Environment(name string) *Environment {
	for _, e := range c.Environments {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// Kind classifies a problem; validate reports each kind under its own rule.
type Kind string

// The kinds of problem Parse finds.
const (
	// KindSyntax: not YAML, a value of the wrong type, a bad name or version.
	KindSyntax Kind = "syntax"
	// KindUnknownKey: a key the format does not have.
	KindUnknownKey Kind = "unknown-key"
	// KindMissing: a required key left out.
	KindMissing Kind = "missing"
	// KindUnknownImage: a service names an image not under images.
	KindUnknownImage Kind = "unknown-image"
	// KindStrategy: a strategy ECS does not have.
	KindStrategy Kind = "strategy"
	// KindEnvironment: an environment without a cluster, or a strategy for
	// an environment not under environments.
	KindEnvironment Kind = "environment"
)

// Problem is one thing wrong with the file.
type Problem struct {
	Pos
	Kind    Kind   `json:"kind"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	return fmt.Sprintf("line %d: %s", p.Line, p.Message)
}

// Problems is every problem found, in file order; as an error it lists them.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "; ")
}

// Keys are the keys of each mapping of the format, by where the mapping
// is: "" the top level, "image", "service", "environment", and "strategy"
// (besides the environments' names). docs/ecsflow.schema.json has the same.
var Keys = map[string][]string{
	"":            {"version", "images", "services", "environments"},
	"image":       {"context", "dockerfile", "repository"},
	"service":     {"image", "container", "task-definition", "strategy"},
	"environment": {"cluster"},
}

// required are the keys that must be given, by mapping.
var required = map[string][]string{
	"":        {"version", "services"},
	"image":   {"context"},
	"service": {"image", "task-definition"},
}

// yamlLine is how yaml.v3 starts a syntax error's message.
var yamlLine = regexp.MustCompile(`^line (\d+): `)

// namePattern is what an image, service or environment name may be: ECS
// service names are letters, digits, hyphens and underscores, at most 255.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$`)

// parser collects problems while walking the document.
type parser struct{ problems Problems }

func (p *parser) add(n *yaml.Node, k Kind, format string, args ...any) {
	p.problems = append(p.problems, Problem{Pos: posOf(n), Kind: k, Message: fmt.Sprintf(format, args...)})
}

// Parse reads an ecsflow.yaml. It returns what it could read and every
// problem found; the config is nil only when the file is not YAML at all.
// File paths are not looked at: see CheckFiles.
func Parse(data []byte) (*Config, Problems) {
	p := &parser{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg, line := strings.TrimPrefix(err.Error(), "yaml: "), 1
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		return nil, Problems{{Pos: Pos{Line: line, Column: 1}, Kind: KindSyntax, Message: "the file is not YAML: " + msg}}
	}
	c := &Config{}
	if len(doc.Content) == 0 {
		p.add(&yaml.Node{Line: 1, Column: 1}, KindMissing, "the file is empty; give version: 1 and services")
		return c, p.problems
	}
	top := doc.Content[0]
	p.mapping(top, "", "the top level", func(key string, k, v *yaml.Node) {
		switch key {
		case "version":
			p.version(c, v)
		case "images":
			p.named(v, "images", "image", func(name string, k, v *yaml.Node) { c.Images = append(c.Images, p.image(name, k, v)) })
		case "services":
			p.named(v, "services", "service", func(name string, k, v *yaml.Node) { c.Services = append(c.Services, p.service(name, k, v)) })
		case "environments":
			p.named(v, "environments", "environment", func(name string, k, v *yaml.Node) {
				c.Environments = append(c.Environments, p.environment(name, k, v))
			})
		}
	})
	p.crossCheck(c)
	sort.SliceStable(p.problems, func(i, j int) bool {
		a, b := p.problems[i], p.problems[j]
		return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
	})
	return c, p.problems
}

func (p *parser) version(c *Config, v *yaml.Node) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!int" && v.Value == "1" {
		c.Version = Version
		return
	}
	p.add(v, KindSyntax, "version %q is not supported; write version: 1", v.Value)
}

// mapping walks a mapping node whose keys are the known keys of where,
// reporting unknown keys (with the closest known one) and missing required
// keys; fn gets each known key.
func (p *parser) mapping(n *yaml.Node, where, what string, fn func(key string, k, v *yaml.Node)) map[string]Pos {
	if n.Kind != yaml.MappingNode {
		p.add(n, KindSyntax, "%s must be a mapping of %s", what, strings.Join(Keys[where], ", "))
		return nil
	}
	at := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(Keys[where], k.Value) {
			p.add(k, KindUnknownKey, "%s: unknown key %q%s; known keys: %s", what, k.Value, closest(k.Value, Keys[where]), strings.Join(Keys[where], ", "))
			continue
		}
		at[k.Value] = posOf(k)
		fn(k.Value, k, v)
	}
	for _, r := range required[where] {
		if _, ok := at[r]; !ok {
			p.add(n, KindMissing, "%s: %s is required", what, r)
		}
	}
	return at
}

func closest(name string, known []string) string {
	best, dist := "", 3
	for _, k := range known {
		if d := suggest.EditDistance(name, k); d < dist {
			best, dist = k, d
		}
	}
	if best == "" {
		if c := suggest.Close(name, known); len(c) > 0 {
			best = c[0]
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// named walks a mapping of name → entry.
func (p *parser) named(n *yaml.Node, section, kind string, fn func(name string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.add(n, KindSyntax, "%s must be a mapping of %s name → settings", section, kind)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !namePattern.MatchString(k.Value):
			p.add(k, KindSyntax, "%s name %q is not allowed; use letters, digits, hyphens and underscores (at most 255)", kind, k.Value)
			continue
		case seen[k.Value]:
			p.add(k, KindSyntax, "%s %q is declared twice", kind, k.Value)
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

// str reads a string value; anything else is reported.
func (p *parser) str(what, key string, v *yaml.Node) string {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" || v.Value == "" {
		p.add(v, KindSyntax, "%s: %s must be a non-empty string", what, key)
		return ""
	}
	return v.Value
}

// path reads a file path relative to the repository root.
func (p *parser) path(what, key string, v *yaml.Node) string {
	s := p.str(what, key, v)
	if s == "" {
		return ""
	}
	clean := strings.TrimPrefix(s, "./")
	if strings.HasPrefix(clean, "/") || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(clean, "/../") {
		p.add(v, KindSyntax, "%s: %s %q must be a path inside the repository, relative to its root", what, key, s)
		return ""
	}
	return clean
}

func (p *parser) image(name string, k, v *yaml.Node) *Image {
	img := &Image{Name: name, Pos: posOf(k)}
	what := "image " + name
	img.At = p.mapping(v, "image", what, func(key string, _, v *yaml.Node) {
		switch key {
		case "context":
			img.Context = p.path(what, key, v)
		case "dockerfile":
			img.Dockerfile = p.path(what, key, v)
		case "repository":
			img.Repository = p.repository(what, v)
		}
	})
	return img
}

// repositoryPattern is ECR's repository name pattern (CreateRepository).
var repositoryPattern = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

func (p *parser) repository(what string, v *yaml.Node) string {
	s := p.str(what, "repository", v)
	if s != "" && (len(s) < 2 || len(s) > 256 || !repositoryPattern.MatchString(s)) {
		p.add(v, KindSyntax, "%s: repository %q is not an ECR repository name; use 2–256 lower-case letters, digits and . _ - / (such as shop/app)", what, s)
		return ""
	}
	return s
}

func (p *parser) service(name string, k, v *yaml.Node) *Service {
	svc := &Service{Name: name, Pos: posOf(k)}
	what := "service " + name
	svc.At = p.mapping(v, "service", what, func(key string, _, v *yaml.Node) {
		switch key {
		case "image":
			svc.Image = p.str(what, key, v)
		case "container":
			svc.Container = p.str(what, key, v)
		case "task-definition":
			svc.TaskDefinition = p.path(what, key, v)
		case "strategy":
			svc.Strategy = p.strategy(what, v)
		}
	})
	return svc
}

// strategy reads one strategy for every environment or a mapping of
// environment (or default) → strategy.
func (p *parser) strategy(what string, v *yaml.Node) map[string]string {
	one := func(n *yaml.Node) (string, bool) {
		if n.Kind != yaml.ScalarNode || !slices.Contains(Strategies, n.Value) {
			p.add(n, KindStrategy, "%s: strategy %q is not one of ECS's; allowed: %s (leave strategy out to keep the service's own)", what, n.Value, strings.Join(Strategies, ", "))
			return "", false
		}
		return n.Value, true
	}
	out := map[string]string{}
	switch v.Kind {
	case yaml.ScalarNode:
		if s, ok := one(v); ok {
			out[DefaultStrategyKey] = s
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			if s, ok := one(v.Content[i+1]); ok {
				out[v.Content[i].Value] = s
			}
		}
	default:
		p.add(v, KindSyntax, "%s: strategy must be one strategy or a mapping of environment (or default) → strategy", what)
	}
	return out
}

func (p *parser) environment(name string, k, v *yaml.Node) *Environment {
	env := &Environment{Name: name, Pos: posOf(k)}
	what := "environment " + name
	if name == DefaultStrategyKey {
		p.add(k, KindSyntax, "environment name %q is reserved (a strategy's default); choose another name", name)
	}
	if v.Kind == yaml.MappingNode {
		env.At = p.mapping(v, "environment", what, func(key string, _, v *yaml.Node) {
			if key == "cluster" {
				env.Cluster = p.str(what, key, v)
			}
		})
		if _, ok := env.At["cluster"]; !ok {
			p.add(k, KindEnvironment, "%s has no cluster; give cluster: <ECS cluster name>", what)
		}
		return env
	}
	if v.Tag == "!!null" {
		p.add(k, KindEnvironment, "%s has no cluster; give cluster: <ECS cluster name>", what)
		return env
	}
	p.add(v, KindSyntax, "%s must be a mapping with cluster", what)
	return env
}

// crossCheck finds what no single entry shows: services naming an image
// not declared, strategies for environments not declared.
func (p *parser) crossCheck(c *Config) {
	names := make([]string, len(c.Images))
	for i, img := range c.Images {
		names[i] = img.Name
	}
	envs := make([]string, len(c.Environments))
	for i, e := range c.Environments {
		envs[i] = e.Name
	}
	for _, s := range c.Services {
		if s.Image != "" && c.Image(s.Image) == nil {
			at := s.At["image"]
			p.problems = append(p.problems, Problem{Pos: at, Kind: KindUnknownImage,
				Message: fmt.Sprintf("service %s: image %q is not declared under images%s; declared: %s", s.Name, s.Image, closest(s.Image, names), listOrNone(names))})
		}
		if len(c.Environments) == 0 {
			continue
		}
		for _, env := range slices.Sorted(maps.Keys(s.Strategy)) {
			if env != DefaultStrategyKey && c.Environment(env) == nil {
				at := s.At["strategy"]
				p.problems = append(p.problems, Problem{Pos: at, Kind: KindEnvironment,
					Message: fmt.Sprintf("service %s: strategy for environment %q, which is not declared under environments%s; declared: %s", s.Name, env, closest(env, envs), listOrNone(envs))})
			}
		}
	}
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
