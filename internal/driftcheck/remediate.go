package driftcheck

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/ecsflow/ecsflow/internal/cli"
	"github.com/ecsflow/ecsflow/internal/deploy"
	"github.com/ecsflow/ecsflow/internal/drift"
	"github.com/ecsflow/ecsflow/internal/ledger"
)

// RedeployTimeout bounds the wait for a redeployment of the last good
// revision (the same engine deploy-ecs and rollback use).
const RedeployTimeout = 15 * time.Minute

// remediate applies the safe class: tags, alarm descriptions, and services
// back on the last good revision the ledger recorded. It marks each
// finding's remediation done or failed and returns what it did.
func remediate(ctx context.Context, env *cli.Env, c *awsClients, cfg *Config, led *ledgerReader, res *drift.Result) []string {
	var done []string
	byCluster := map[string][]*drift.Finding{}
	for i := range res.Findings {
		f := &res.Findings[i]
		if r := f.Remediation; f.Class == drift.Safe && r != nil && r.Action == "redeploy" {
			byCluster[r.Cluster] = append(byCluster[r.Cluster], f)
		}
	}
	for cluster, fs := range byCluster {
		done = append(done, redeploy(ctx, env, c, cfg, led, cluster, fs)...)
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		r := f.Remediation
		if f.Class != drift.Safe || r == nil {
			continue
		}
		var err error
		switch r.Action {
		case "tag":
			err = c.retag(ctx, r)
		case "set-description":
			err = c.setAlarmDescription(ctx, r)
		case "redeploy":
			continue // done above, per cluster
		default:
			r.Error = "no remediation for " + r.Action
			continue
		}
		if err != nil {
			r.Error = err.Error()
			continue
		}
		r.Done = true
		done = append(done, fmt.Sprintf("%s: %s", f.Name(), describe(r)))
	}
	return done
}

// redeploy returns services to the ledger's last good revision through the
// deploy engine (one parallel wave per cluster, waiting for the outcome, no
// automatic rollback of the rollback) and records each outcome in the
// ledger, as the rollback action does.
func redeploy(ctx context.Context, env *cli.Env, c *awsClients, cfg *Config, led *ledgerReader, cluster string, fs []*drift.Finding) []string {
	con := env.Console
	eng := &deploy.Engine{ECS: c.ecs, CloudWatch: c.cw, ELB: c.elb, Clock: deploy.WallClock{},
		Log: func(service, line string) {
			if service != "" {
				line = "[" + service + "] " + line
			}
			con.Infof("%s", line)
		}}
	var targets []deploy.Target
	for _, f := range fs {
		targets = append(targets, deploy.Target{Service: f.Remediation.Service, Source: deploy.Source{Revision: f.Remediation.TaskDefinition}})
	}
	plan := &deploy.Plan{Cluster: cluster, Waves: [][]deploy.Target{targets}, Wait: true, Timeout: RedeployTimeout}
	prep, err := eng.Prepare(ctx, plan)
	if err != nil {
		for _, f := range fs {
			f.Remediation.Error = "redeploy not started: " + err.Error()
		}
		return nil
	}
	out := eng.Deploy(ctx, prep)
	var done []string
	for _, f := range fs {
		r := f.Remediation
		sr := out.Service(r.Service)
		if sr == nil {
			r.Error = "the deploy engine reported nothing for this service"
			continue
		}
		if sr.Status == deploy.Succeeded {
			r.Done = true
			done = append(done, fmt.Sprintf("%s: redeployed %s (was %s)", f.Name(), shortTD(sr.TaskDefinition), shortTD(sr.Previous)))
		} else {
			r.Error = fmt.Sprintf("redeploy %s: %s", sr.Status, strings.Join(sr.Reasons, "; "))
		}
		if led != nil {
			rec := ledger.Record{Cluster: cluster, Service: r.Service, Environment: cfg.Environment, Images: sr.Images,
				TaskDefinition: sr.TaskDefinition, Previous: sr.Previous, Commit: env.Getenv("GITHUB_SHA"), Actor: env.Getenv("GITHUB_ACTOR"),
				RunURL: runURL(env.Getenv), Start: sr.Started, End: sr.Finished, Outcome: string(sr.Status), RollbackOf: sr.Previous,
				Reason: "drift-check remediation: the service ran a revision the ledger does not know"}
			if err := led.l.Put(context.WithoutCancel(ctx), rec); err != nil {
				con.Warningf("failed to record the remediation of %s in the ledger: %v", r.Service, err)
			}
		}
	}
	return done
}

func shortTD(arn string) string {
	if i := strings.Index(arn, "task-definition/"); i >= 0 {
		return arn[i+len("task-definition/"):]
	}
	return arn
}

func describe(r *drift.Remediation) string {
	switch r.Action {
	case "tag":
		var parts []string
		keys := make([]string, 0, len(r.Tags))
		for k := range r.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts = append(parts, "set tag "+k+"="+r.Tags[k])
		}
		for _, k := range r.UntagKeys {
			parts = append(parts, "removed tag "+k)
		}
		return strings.Join(parts, ", ")
	case "set-description":
		return "restored the alarm description"
	}
	return r.Action
}

// retag sets and removes tags on the resource r.ARN names, through the API
// of the service the ARN belongs to.
func (c *awsClients) retag(ctx context.Context, r *drift.Remediation) error {
	newTagger, ok := taggers[arnService(r.ARN)]
	if !ok {
		return fmt.Errorf("cannot tag %s: unknown service", r.ARN)
	}
	t := newTagger(c, r.ARN)
	if len(r.UntagKeys) > 0 {
		if err := t.untag(ctx, r.UntagKeys); err != nil {
			return err
		}
	}
	if len(r.Tags) > 0 {
		return t.tag(ctx, r.Tags)
	}
	return nil
}

// arnService is the service of an ARN (arn:partition:service:...); a bare
// security group ID is ec2's.
func arnService(arn string) string {
	if strings.HasPrefix(arn, "arn:") {
		if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
			return parts[2]
		}
	} else if strings.HasPrefix(arn, "sg-") {
		return "ec2"
	}
	return ""
}

// tagger removes and sets the tags of one resource through its service's
// API.
type tagger struct {
	untag func(ctx context.Context, keys []string) error
	tag   func(ctx context.Context, set map[string]string) error
}

// taggers builds the tagger of a resource, by the service of its ARN.
var taggers = map[string]func(c *awsClients, arn string) tagger{
	"ecs":                     (*awsClients).ecsTagger,
	"elasticloadbalancing":    (*awsClients).elbTagger,
	"logs":                    (*awsClients).logsTagger,
	"cloudwatch":              (*awsClients).alarmTagger,
	"ecr":                     (*awsClients).ecrTagger,
	"ec2":                     (*awsClients).ec2Tagger,
	"iam":                     (*awsClients).roleTagger,
	"application-autoscaling": (*awsClients).autoscalingTagger,
	"servicediscovery":        (*awsClients).discoveryTagger,
}

// tagList turns set into a service's tag structs.
func tagList[T any](set map[string]string, tag func(k, v *string) T) []T {
	var out []T
	for k, v := range set {
		out = append(out, tag(aws.String(k), aws.String(v)))
	}
	return out
}

func (c *awsClients) ecsTagger(arn string) tagger {
	return tagger{
		untag: func(ctx context.Context, keys []string) error {
			_, err := c.ecs.UntagResource(ctx, &ecs.UntagResourceInput{ResourceArn: &arn, TagKeys: keys})
			return err
		},
		tag: func(ctx context.Context, set map[string]string) error {
			tags := tagList(set, func(k, v *string) ecstypes.Tag { return ecstypes.Tag{Key: k, Value: v} })
			_, err := c.ecs.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: &arn, Tags: tags})
			return err
		},
	}
}

func (c *awsClients) elbTagger(arn string) tagger {
	return tagger{
		untag: func(ctx context.Context, keys []string) error {
			_, err := c.elb.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: keys})
			return err
		},
		tag: func(ctx context.Context, set map[string]string) error {
			tags := tagList(set, func(k, v *string) elbtypes.Tag { return elbtypes.Tag{Key: k, Value: v} })
			_, err := c.elb.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{arn}, Tags: tags})
			return err
		},
	}
}

func (c *awsClients) logsTagger(arn string) tagger {
	return tagger{
		untag: func(ctx context.Context, keys []string) error {
			_, err := c.logs.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: &arn, TagKeys: keys})
			return err
		},
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := c.logs.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: &arn, Tags: set})
			return err
		},
	}
}

func (c *awsClients) alarmTagger(arn string) tagger {
	return tagger{
		untag: func(ctx context.Context, keys []string) error {
			_, err := c.cw.UntagResource(ctx, &cloudwatch.UntagResourceInput{ResourceARN: &arn, TagKeys: keys})
			return err
		},
		tag: func(ctx context.Context, set map[string]string) error {
			tags := tagList(set, func(k, v *string) cwtypes.Tag { return cwtypes.Tag{Key: k, Value: v} })
			_, err := c.cw.TagResource(ctx, &cloudwatch.TagResourceInput{ResourceARN: &arn, Tags: tags})
			return err
		},
	}
}

func (c *awsClients) ecrTagger(arn string) tagger {
	return tagger{
		untag: func(ctx context.Context, keys []string) error {
			_, err := c.ecr.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: &arn, TagKeys: keys})
			return err
		},
		tag: func(ctx context.Context, set map[string]string) error {
			tags := tagList(set, func(k, v *string) ecrtypes.Tag { return ecrtypes.Tag{Key: k, Value: v} })
			_, err := c.ecr.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: &arn, Tags: tags})
			return err
		},
	}
}

// ec2Tagger tags a security group by its ID (the part after the last /).
func (c *awsClients) ec2Tagger(arn string) tagger {
	id := arn[strings.LastIndex(arn, "/")+1:]
	return tagger{
		untag: func(ctx context.Context, keys []string) error {
			var tags []ec2types.Tag
			for _, k := range keys {
				tags = append(tags, ec2types.Tag{Key: aws.String(k)})
			}
			_, err := c.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: tags})
			return err
		},
		tag: func(ctx context.Context, set map[string]string) error {
			tags := tagList(set, func(k, v *string) ec2types.Tag { return ec2types.Tag{Key: k, Value: v} })
			_, err := c.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: tags})
			return err
		},
	}
}

// roleTagger tags an IAM role by its name (the part after the last /).
func (c *awsClients) roleTagger(arn string) tagger {
	role := arn[strings.LastIndex(arn, "/")+1:]
	return tagger{
		untag: func(ctx context.Context, keys []string) error {
			_, err := c.iam.UntagRole(ctx, &iam.UntagRoleInput{RoleName: &role, TagKeys: keys})
			return err
		},
		tag: func(ctx context.Context, set map[string]string) error {
			tags := tagList(set, func(k, v *string) iamtypes.Tag { return iamtypes.Tag{Key: k, Value: v} })
			_, err := c.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: &role, Tags: tags})
			return err
		},
	}
}

func (c *awsClients) autoscalingTagger(arn string) tagger {
	return tagger{
		untag: func(ctx context.Context, keys []string) error {
			_, err := c.autoscaling.UntagResource(ctx, &aas.UntagResourceInput{ResourceARN: &arn, TagKeys: keys})
			return err
		},
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := c.autoscaling.TagResource(ctx, &aas.TagResourceInput{ResourceARN: &arn, Tags: set})
			return err
		},
	}
}

func (c *awsClients) discoveryTagger(arn string) tagger {
	return tagger{
		untag: func(ctx context.Context, keys []string) error {
			_, err := c.discovery.UntagResource(ctx, &sd.UntagResourceInput{ResourceARN: &arn, TagKeys: keys})
			return err
		},
		tag: func(ctx context.Context, set map[string]string) error {
			tags := tagList(set, func(k, v *string) sdtypes.Tag { return sdtypes.Tag{Key: k, Value: v} })
			_, err := c.discovery.TagResource(ctx, &sd.TagResourceInput{ResourceARN: &arn, Tags: tags})
			return err
		},
	}
}

// setAlarmDescription rewrites the alarm with its live settings and the
// state's description (PutMetricAlarm replaces the whole alarm).
func (c *awsClients) setAlarmDescription(ctx context.Context, r *drift.Remediation) error {
	name := r.ARN[strings.LastIndex(r.ARN, ":")+1:]
	out, err := c.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}})
	if err != nil {
		return err
	}
	if len(out.MetricAlarms) != 1 {
		return fmt.Errorf("alarm %s is gone", name)
	}
	a := out.MetricAlarms[0]
	if len(a.Metrics) > 0 {
		return fmt.Errorf("alarm %s uses metric math; fix its description with terraform apply", name)
	}
	_, err = c.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: a.AlarmName, AlarmDescription: r.Description, ActionsEnabled: a.ActionsEnabled, AlarmActions: a.AlarmActions,
		OKActions: a.OKActions, InsufficientDataActions: a.InsufficientDataActions, ComparisonOperator: a.ComparisonOperator,
		EvaluationPeriods: a.EvaluationPeriods, DatapointsToAlarm: a.DatapointsToAlarm, MetricName: a.MetricName, Namespace: a.Namespace,
		Period: a.Period, Statistic: a.Statistic, ExtendedStatistic: a.ExtendedStatistic, Threshold: a.Threshold, Unit: a.Unit,
		Dimensions: a.Dimensions, TreatMissingData: a.TreatMissingData, EvaluateLowSampleCountPercentile: a.EvaluateLowSampleCountPercentile,
		ThresholdMetricId: a.ThresholdMetricId,
	})
	return err
}
