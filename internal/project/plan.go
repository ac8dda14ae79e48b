package project

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Build is one image to build: once per commit, however many services run it.
type Build struct {
	Image   string `json:"image"`
	Context string `json:"context"`
	// Dockerfile is relative to Context, as build-push's dockerfile input
	// takes it (the file gives it relative to the repository root).
	Dockerfile string `json:"dockerfile"`
	Repository string `json:"repository"`
	// Services are the services of the plan that run the image.
	Services []string `json:"services"`
}

// Deploy is one service to deploy.
type Deploy struct {
	Service        string `json:"service"`
	Image          string `json:"image"`
	Repository     string `json:"repository"`
	Container      string `json:"container"`
	TaskDefinition string `json:"task-definition"`
	// Strategy is the service's strategy in the plan's environment; ""
	// keeps the service's own.
	Strategy string `json:"strategy"`
}

// Plan is what a workflow run builds and deploys.
type Plan struct {
	Services []string `json:"services"`
	Builds   []Build  `json:"builds"`
	Deploys  []Deploy `json:"deploys"`
	// Cluster is the environment's cluster ("" without an environment).
	Cluster string `json:"cluster"`
	// Strategies maps each service to its strategy in the environment.
	Strategies map[string]string `json:"strategies"`
}

// Changed returns the services that files (paths relative to the
// repository root, as git diff --name-only prints them) touch: a file in
// the build context of the service's image, its Dockerfile, or its
// task-definition file. The order is the file's.
func (c *Config) Changed(files []string) []string {
	var out []string
	for _, s := range c.Services {
		img := c.Image(s.Image)
		for _, f := range files {
			f = path.Clean(strings.TrimPrefix(f, "./"))
			if f == s.TaskDefinition || img != nil && (within(f, img.Context) || f == img.DockerfilePath()) {
				out = append(out, s.Name)
				break
			}
		}
	}
	return out
}

func within(f, dir string) bool {
	dir = path.Clean(dir)
	return dir == "." || f == dir || strings.HasPrefix(f, dir+"/")
}

// Names returns the names of all services, in the file's order.
func (c *Config) Names() []string {
	out := make([]string, len(c.Services))
	for i, s := range c.Services {
		out[i] = s.Name
	}
	return out
}

// Plan returns what deploying services to env builds and deploys: each
// image the services run, once, and each service with its container,
// task-definition file and strategy. env may be empty (a pull request
// builds without deploying). Services deployed together must not give one
// container name two images: deploy-ecs sets images by container.
func (c *Config) Plan(services []string, env string) (*Plan, error) {
	p := &Plan{Services: []string{}, Builds: []Build{}, Deploys: []Deploy{}, Strategies: map[string]string{}}
	if env != "" {
		e := c.Environment(env)
		switch {
		case e != nil:
			p.Cluster = e.Cluster
		case len(c.Environments) > 0:
			return nil, fmt.Errorf("environment %q is not declared under environments; declared: %s", env, strings.Join(envNames(c), ", "))
		}
	}
	imageOf := map[string]string{}
	for _, name := range services {
		s := c.Service(name)
		if s == nil {
			return nil, fmt.Errorf("service %q is not declared under services; declared: %s", name, listOrNone(c.Names()))
		}
		img := c.Image(s.Image)
		if img == nil {
			return nil, fmt.Errorf("service %s: image %q is not declared under images", name, s.Image)
		}
		if prev, ok := imageOf[s.ContainerName()]; ok && prev != img.Name {
			return nil, fmt.Errorf("services deployed together give container %s two images (%s and %s); name the containers apart (container:)", s.ContainerName(), prev, img.Name)
		}
		imageOf[s.ContainerName()] = img.Name
		p.Services = append(p.Services, name)
		st := s.StrategyFor(env)
		p.Strategies[name] = st
		p.Deploys = append(p.Deploys, Deploy{Service: name, Image: img.Name, Repository: img.RepositoryName(),
			Container: s.ContainerName(), TaskDefinition: s.TaskDefinition, Strategy: st})
		i := slices.IndexFunc(p.Builds, func(b Build) bool { return b.Image == img.Name })
		if i < 0 {
			p.Builds = append(p.Builds, Build{Image: img.Name, Context: img.Context, Dockerfile: fromContext(img), Repository: img.RepositoryName()})
			i = len(p.Builds) - 1
		}
		p.Builds[i].Services = append(p.Builds[i].Services, name)
	}
	return p, nil
}

func envNames(c *Config) []string {
	out := make([]string, len(c.Environments))
	for i, e := range c.Environments {
		out[i] = e.Name
	}
	return out
}

// fromContext is the image's Dockerfile relative to its build context.
func fromContext(img *Image) string {
	ctx := path.Clean(img.Context)
	df := img.DockerfilePath()
	if ctx == "." {
		return df
	}
	if strings.HasPrefix(df, ctx+"/") {
		return strings.TrimPrefix(df, ctx+"/")
	}
	// outside the context: climb out of it
	return strings.Repeat("../", strings.Count(ctx, "/")+1) + df
}
