package drifttest

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
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
)

// Changes made behind Terraform's back.

// ScaleService sets a service's desired count and returns once reads show it.
func ScaleService(ctx context.Context, c Clients, cluster, service string, n int32) error {
	_, err := c.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(service), DesiredCount: aws.Int32(n)})
	if err != nil {
		return wrap("scale service", err)
	}
	return awaitService(ctx, c, cluster, service, func(s ecstypes.Service) bool { return s.DesiredCount == n })
}

// awaitService polls DescribeServices until ok holds. ECS reads follow an
// eventual consistency model (docs/ecs-contract.md): a change made "by
// hand" is over only once the next reader can see it, as it would be long
// before a scheduled drift check runs.
func awaitService(ctx context.Context, c Clients, cluster, service string, ok func(ecstypes.Service) bool) error {
	const tries = 200
	for i := 0; i < tries; i++ {
		out, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
		if err != nil {
			return wrap("describe service", err)
		}
		if len(out.Services) == 1 && ok(out.Services[0]) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("service %s/%s: the change is not visible after %d reads", cluster, service, tries)
}

// NewRevision registers a new revision of a task definition whose first
// container's image tag is tag, and returns its ARN.
func NewRevision(ctx context.Context, c Clients, from, tag string) (string, error) {
	out, err := c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(from)})
	if err != nil {
		return "", wrap("describe task definition", err)
	}
	td := out.TaskDefinition
	defs := td.ContainerDefinitions
	img := aws.ToString(defs[0].Image)
	for i := len(img) - 1; i >= 0; i-- {
		if img[i] == ':' {
			img = img[:i]
			break
		}
	}
	defs[0].Image = aws.String(img + ":" + tag)
	reg, err := c.ECS.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: td.Family, ContainerDefinitions: defs, Cpu: td.Cpu, Memory: td.Memory,
		NetworkMode: td.NetworkMode, RequiresCompatibilities: td.RequiresCompatibilities})
	if err != nil {
		return "", wrap("register task definition", err)
	}
	return aws.ToString(reg.TaskDefinition.TaskDefinitionArn), nil
}

// SwapTaskDefinition points a service at another task definition.
func SwapTaskDefinition(ctx context.Context, c Clients, cluster, service, td string) error {
	_, err := c.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(service), TaskDefinition: aws.String(td)})
	if err != nil {
		return wrap("update service", err)
	}
	return awaitService(ctx, c, cluster, service, func(s ecstypes.Service) bool { return aws.ToString(s.TaskDefinition) == td })
}

// OpenIngress adds a TCP ingress rule.
func OpenIngress(ctx context.Context, c Clients, sg string, port int32, cidr string) error {
	_, err := c.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port), IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}}})
	return wrap("authorize ingress", err)
}

// DeleteAlarm deletes an alarm.
func DeleteAlarm(ctx context.Context, c Clients, name string) error {
	_, err := c.CloudWatch.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{name}})
	return wrap("delete alarm", err)
}

// SetAlarmThreshold changes an alarm's threshold, keeping the rest.
func SetAlarmThreshold(ctx context.Context, c Clients, name string, threshold float64) error {
	out, err := c.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}})
	if err != nil || len(out.MetricAlarms) == 0 {
		return wrap("describe alarm", fmt.Errorf("alarm %s: %v", name, err))
	}
	a := out.MetricAlarms[0]
	_, err = c.CloudWatch.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: a.AlarmName, AlarmDescription: a.AlarmDescription,
		ComparisonOperator: a.ComparisonOperator, EvaluationPeriods: a.EvaluationPeriods, MetricName: a.MetricName, Namespace: a.Namespace,
		Period: a.Period, Statistic: a.Statistic, Threshold: aws.Float64(threshold), Dimensions: a.Dimensions, TreatMissingData: a.TreatMissingData})
	return wrap("put alarm", err)
}

// ExtraService creates a service in the stack's cluster that no state knows.
func ExtraService(ctx context.Context, c Clients, st *Stack, name string) error {
	_, err := c.ECS.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(st.Cluster), ServiceName: aws.String(name),
		TaskDefinition: aws.String(st.Services[0].TaskDefARN), DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: st.Subnets, SecurityGroups: []string{st.AppSG}}}})
	if err != nil {
		return wrap("create service", err)
	}
	return awaitService(ctx, c, st.Cluster, name, func(ecstypes.Service) bool { return true })
}

// TagLogGroup adds a tag to a log group.
func TagLogGroup(ctx context.Context, c Clients, group, key, value string) error {
	//lint:ignore SA1019 a stand-in helper: tagging by group name spares the tests an ARN lookup; the scanner reads tags with ListTagsForResource
	_, err := c.Logs.TagLogGroup(ctx, &cloudwatchlogs.TagLogGroupInput{LogGroupName: aws.String(group), Tags: map[string]string{key: value}})
	return wrap("tag log group", err)
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// AttachPolicy creates a customer policy and attaches it to a role.
func AttachPolicy(ctx context.Context, c Clients, role, name string) error {
	p, err := c.IAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	if err != nil {
		return wrap("create policy", err)
	}
	_, err = c.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: p.Policy.Arn})
	return wrap("attach policy", err)
}

// ExtraRoute adds a target group and a rule forwarding to it on the listener.
func ExtraRoute(ctx context.Context, c Clients, st *Stack, name string, priority int32) error {
	tg, err := c.ELB.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		VpcId: aws.String(st.VPC), TargetType: elbtypes.TargetTypeEnumIp})
	if err != nil {
		return wrap("create target group", err)
	}
	_, err = c.ELB.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: aws.String(st.ListenerARN), Priority: aws.Int32(priority),
		Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/" + name + "/*"}}},
		Actions:    []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	return wrap("create rule", err)
}

// SetHealthCheckPath changes a target group's health check path.
func SetHealthCheckPath(ctx context.Context, c Clients, tg, path string) error {
	_, err := c.ELB.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(tg), HealthCheckPath: aws.String(path)})
	return wrap("modify target group", err)
}

// SetAlarmDescription changes an alarm's description, keeping the rest.
func SetAlarmDescription(ctx context.Context, c Clients, name, desc string) error {
	out, err := c.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}})
	if err != nil || len(out.MetricAlarms) == 0 {
		return wrap("describe alarm", fmt.Errorf("alarm %s: %v", name, err))
	}
	a := out.MetricAlarms[0]
	_, err = c.CloudWatch.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: a.AlarmName, AlarmDescription: aws.String(desc),
		ComparisonOperator: a.ComparisonOperator, EvaluationPeriods: a.EvaluationPeriods, MetricName: a.MetricName, Namespace: a.Namespace,
		Period: a.Period, Statistic: a.Statistic, Threshold: a.Threshold, Dimensions: a.Dimensions, TreatMissingData: a.TreatMissingData})
	return wrap("put alarm", err)
}

// MakeMutable turns tag immutability off on a repository.
func MakeMutable(ctx context.Context, c Clients, repo string) error {
	_, err := c.ECR.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{RepositoryName: aws.String(repo), ImageTagMutability: ecrtypes.ImageTagMutabilityMutable})
	return wrap("put image tag mutability", err)
}

// DeleteLifecyclePolicy removes a repository's lifecycle policy.
func DeleteLifecyclePolicy(ctx context.Context, c Clients, repo string) error {
	_, err := c.ECR.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String(repo)})
	return wrap("delete lifecycle policy", err)
}

// RevokeAppIngress removes the app group's ingress from the ALB group (a
// separate rule resource in the state).
func RevokeAppIngress(ctx context.Context, c Clients, st *Stack) error {
	_, err := c.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(st.AppSG), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(st.ALBSG)}}}}})
	return wrap("revoke ingress", err)
}

// SetRoleDescription changes a role's description.
func SetRoleDescription(ctx context.Context, c Clients, role, desc string) error {
	_, err := c.IAM.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String(role), Description: aws.String(desc)})
	return wrap("update role", err)
}

// SetMaxCapacity changes the first service's scalable target maximum.
func SetMaxCapacity(ctx context.Context, c Clients, st *Stack, max int32) error {
	return SetCapacity(ctx, c, st, 1, max)
}

// SetCapacity sets the first service's scalable target bounds, as a hand
// or a scheduled action does.
func SetCapacity(ctx context.Context, c Clients, st *Stack, min, max int32) error {
	_, err := c.Autoscaling.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String("service/" + st.Cluster + "/" + st.Services[0].Name), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		MinCapacity: aws.Int32(min), MaxCapacity: aws.Int32(max)})
	return wrap("register scalable target", err)
}

// Deregister deregisters a task definition revision.
func Deregister(ctx context.Context, c Clients, td string) error {
	_, err := c.ECS.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(td)})
	return wrap("deregister task definition", err)
}

// SetDeregistrationDelay changes a target group's deregistration delay.
func SetDeregistrationDelay(ctx context.Context, c Clients, tg, seconds string) error {
	_, err := c.ELB.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(tg),
		Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String(seconds)}}})
	return wrap("modify target group attributes", err)
}

// SetRetention changes a log group's retention.
func SetRetention(ctx context.Context, c Clients, group string, days int32) error {
	_, err := c.Logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(days)})
	return wrap("put retention policy", err)
}

// TagEverywhere adds the tag key=value to a security group, a target group,
// a service, an alarm, the repository and the role of the stack.
func TagEverywhere(ctx context.Context, c Clients, st *Stack, key, value string) error {
	s := st.Services[0]
	if _, err := c.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{st.ALBSG}, Tags: []ec2types.Tag{{Key: aws.String(key), Value: aws.String(value)}}}); err != nil {
		return wrap("tag security group", err)
	}
	if _, err := c.ELB.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{s.TGARN}, Tags: []elbtypes.Tag{{Key: aws.String(key), Value: aws.String(value)}}}); err != nil {
		return wrap("tag target group", err)
	}
	if _, err := c.ECS.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(s.ARN), Tags: []ecstypes.Tag{{Key: aws.String(key), Value: aws.String(value)}}}); err != nil {
		return wrap("tag service", err)
	}
	al, err := c.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{s.Alarm}})
	if err != nil || len(al.MetricAlarms) == 0 {
		return wrap("describe alarm", fmt.Errorf("alarm %s: %v", s.Alarm, err))
	}
	if _, err := c.CloudWatch.TagResource(ctx, &cloudwatch.TagResourceInput{ResourceARN: al.MetricAlarms[0].AlarmArn, Tags: []cwtypes.Tag{{Key: aws.String(key), Value: aws.String(value)}}}); err != nil {
		return wrap("tag alarm", err)
	}
	repo, err := c.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{st.Repo}})
	if err != nil {
		return wrap("describe repository", err)
	}
	if _, err := c.ECR.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: repo.Repositories[0].RepositoryArn, Tags: []ecrtypes.Tag{{Key: aws.String(key), Value: aws.String(value)}}}); err != nil {
		return wrap("tag repository", err)
	}
	_, err = c.IAM.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(st.RoleName), Tags: []iamtypes.Tag{{Key: aws.String(key), Value: aws.String(value)}}})
	return wrap("tag role", err)
}

// ScheduleAction puts a scheduled action on the first service's scalable
// target (created, or replaced when one of that name exists), as a hand in
// the console or a Terraform apply does.
func ScheduleAction(ctx context.Context, c Clients, st *Stack, name, schedule string, min, max int32) error {
	_, err := c.Autoscaling.PutScheduledAction(ctx, &aas.PutScheduledActionInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String("service/" + st.Cluster + "/" + st.Services[0].Name), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		ScheduledActionName: aws.String(name), Schedule: aws.String(schedule),
		ScalableTargetAction: &aastypes.ScalableTargetAction{MinCapacity: aws.Int32(min), MaxCapacity: aws.Int32(max)}})
	return wrap("put scheduled action", err)
}
