// Package optimize runs the optimize action: it reads the inputs, reads
// what runs (internal/fleet), its utilisation (internal/utilisation) and
// the platforms of its images (internal/registry), has internal/cost
// recommend what would cost less, and reports through the job summary,
// outputs and a JSON report. It changes nothing in AWS.
package optimize

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/ecsflow/ecsflow/internal/awsconfig"
	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/cloudwatchclient"
	"github.com/ecsflow/ecsflow/internal/cost"
	"github.com/ecsflow/ecsflow/internal/fleet"
	"github.com/ecsflow/ecsflow/internal/outfile"
	"github.com/ecsflow/ecsflow/internal/utilisation"
)

// period is the resolution the utilisation is read at.
const period = time.Hour

// Deps are what Run takes from outside; the zero value is the real AWS
// configuration, and tests replace it.
type Deps struct {
	// AWSConfig overrides loading the AWS configuration.
	AWSConfig func(ctx context.Context) (aws.Config, error)
	// HTTPClient carries GitHub API calls (default a plain client); each
	// call is bounded by github.DefaultTimeout.
	HTTPClient *http.Client
	// GitHubAPI is the REST base URL (default GITHUB_API_URL or
	// https://api.github.com).
	GitHubAPI string
	// Keychain gives credentials for image registries other than ECR
	// (default the Docker config, as docker login writes it).
	Keychain authn.Keychain
}

// Run is the optimize action: ParseConfig reads the inputs without any AWS
// call, then it reads the services and their utilisation, builds the
// report and writes the JSON report, the outputs and the job summary.
func Run(ctx context.Context, env *cli.Env, deps Deps) error {
	cfg, err := ParseConfig(env.Inputs, env.Getenv)
	if err != nil {
		return err
	}
	if cfg.Token != "" {
		env.Console.Mask(cfg.Token)
	}
	tree, err := loadTree(cfg.Terraform)
	if err != nil {
		return err
	}
	awsCfg, err := loadAWSConfig(ctx, env, deps)
	if err != nil {
		return err
	}
	cfg.Options.Region = awsCfg.Region
	con := env.Console
	con.Infof("%s, region %s", cfg, awsCfg.Region)

	end := con.Group(fmt.Sprintf("Reading %d services and %s of utilisation", len(cfg.Services), cfg.Options.Lookback))
	services, err := readServices(ctx, env, cfg, awsCfg)
	end()
	if err != nil {
		return err
	}
	end = con.Group("Reading the platforms of the images")
	keychain := deps.Keychain
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	for _, line := range images(ctx, awsecr.NewFromConfig(awsCfg), keychain, env.Now(), services) {
		con.Infof("  %s", line)
	}
	end()
	if tree != nil {
		for _, name := range locate(tree, cfg.Terraform.Workspace, services) {
			con.Warningf("no aws_ecs_service in %s is named %s: its recommendations say what to change but draw no diff", cfg.Terraform.Root, name)
		}
	}
	rep, err := cost.Analyse(services, cfg.Options)
	if err != nil {
		return fmt.Errorf("failed to build the cost report: %w", err)
	}
	if err := writeReport(env, cfg, rep); err != nil {
		return err
	}
	if !cfg.Issue {
		return nil
	}
	n, action, err := syncIssue(ctx, env, deps, cfg, rep)
	if err != nil {
		return err
	}
	if n > 0 {
		con.Infof("cost issue #%d %s", n, action)
		con.SetOutput("issue-number", fmt.Sprint(n))
	}
	return nil
}

func loadAWSConfig(ctx context.Context, env *cli.Env, deps Deps) (aws.Config, error) {
	if deps.AWSConfig != nil {
		return deps.AWSConfig(ctx)
	}
	o := awsconfig.FromInputs(env.Inputs, env.Getenv, env.Console)
	if o.RoleSessionName == "" {
		o.RoleSessionName = "ecsflow-optimize"
	}
	return awsconfig.Load(ctx, o)
}

// readServices reads what runs and, for each service, its utilisation
// over the lookback up to the last whole hour.
func readServices(ctx context.Context, env *cli.Env, cfg *Config, awsCfg aws.Config) ([]cost.Service, error) {
	ecsc, scaling := ecs.NewFromConfig(awsCfg), aas.NewFromConfig(awsCfg)
	cw := cloudwatch.NewFromConfig(awsCfg, cloudwatchclient.Options(env.Getenv)...)
	services, err := fleet.Services(ctx, ecsc, scaling, cfg.Cluster, cfg.Environment, cfg.Services)
	if err != nil {
		return nil, err
	}
	to := env.Now().UTC().Truncate(period)
	for i := range services {
		s := &services[i]
		if s.Usage, err = utilisation.Read(ctx, cw, cfg.Cluster, s.Name, to, cfg.Options.Lookback, period); err != nil {
			return nil, err
		}
		env.Console.Infof("  %s: cpu %d, memory %d, %d tasks", s.Name, s.CPU, s.Memory, s.DesiredCount)
	}
	return services, nil
}

// writeReport writes the JSON report, the outputs and the job summary.
func writeReport(env *cli.Env, cfg *Config, rep cost.Report) error {
	js, err := rep.JSON()
	if err != nil {
		return fmt.Errorf("failed to encode the JSON report: %w", err)
	}
	if err := outfile.FromEnv(env.Getenv).WriteFile(cfg.ReportFile, js); err != nil {
		return err
	}
	con := env.Console
	con.AddSummary(rep.Markdown())
	con.SetOutput("saving-percent", fmt.Sprintf("%.1f", rep.SavingPercent))
	con.SetOutput("monthly-saving", fmt.Sprintf("%.2f", rep.Saving))
	con.SetOutput("report-json", cfg.ReportFile)
	con.Infof("save $%.2f a month (%.1f %%): $%.2f → $%.2f; report %s", rep.Saving, rep.SavingPercent, rep.Monthly, rep.After, cfg.ReportFile)
	return nil
}
