package drift

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// CloudWatchAPI is the part of the CloudWatch API drift-check reads.
type CloudWatchAPI interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
	ListTagsForResource(ctx context.Context, in *cloudwatch.ListTagsForResourceInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.ListTagsForResourceOutput, error)
}

// LogsAPI is the part of the CloudWatch Logs API drift-check reads.
type LogsAPI interface {
	DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
	ListTagsForResource(ctx context.Context, in *cloudwatchlogs.ListTagsForResourceInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error)
}

// alarmHandler reads CloudWatch metric alarms.
var alarmHandler = handler{
	types: []typeSpec{
		{"aws_cloudwatch_metric_alarm", spec{maps: map[string]bool{"tags": true, "dimensions": true}}},
	},
	need: func(c Clients) bool { return c.CloudWatch != nil },
	run:  scanAlarms,
}

// logGroupHandler reads CloudWatch Logs log groups.
var logGroupHandler = handler{
	types: []typeSpec{
		{"aws_cloudwatch_log_group", spec{maps: map[string]bool{"tags": true}}},
	},
	need: func(c Clients) bool { return c.Logs != nil },
	run:  scanLogGroups,
}

func scanAlarms(ctx context.Context, s *Scanner, items map[string][]*item) error {
	byName := map[string]*item{}
	var names []string
	for _, it := range items["aws_cloudwatch_metric_alarm"] {
		n := it.obj.String("alarm_name")
		if n == "" {
			n = it.obj.ID()
		}
		byName[n] = it
		names = append(names, n)
	}
	sort.Strings(names)
	var found []*item
	err := each(ctx, chunk(names, 100), func(batch []string) error { // DescribeAlarms takes 100 names
		return pages(ctx, s, func(token *string) (*string, error) {
			out, err := s.c.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: batch, NextToken: token, MaxRecords: aws.Int32(100)})
			if err != nil {
				return nil, err
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, a := range out.MetricAlarms {
				it := byName[aws.ToString(a.AlarmName)]
				if it == nil {
					continue
				}
				dims := map[string]any{}
				for _, d := range a.Dimensions {
					dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
				}
				it.found, it.arn = true, aws.ToString(a.AlarmArn)
				it.live = map[string]any{
					"alarm_description":   aws.ToString(a.AlarmDescription),
					"comparison_operator": string(a.ComparisonOperator),
					"evaluation_periods":  int(aws.ToInt32(a.EvaluationPeriods)),
					"metric_name":         aws.ToString(a.MetricName),
					"namespace":           aws.ToString(a.Namespace),
					"period":              int(aws.ToInt32(a.Period)),
					"statistic":           string(a.Statistic),
					"threshold":           aws.ToFloat64(a.Threshold),
					"treat_missing_data":  aws.ToString(a.TreatMissingData),
					"actions_enabled":     aws.ToBool(a.ActionsEnabled),
					"alarm_actions":       toAny(a.AlarmActions),
					"ok_actions":          toAny(a.OKActions),
					"dimensions":          dims,
				}
				if a.DatapointsToAlarm != nil {
					it.live["datapoints_to_alarm"] = int(*a.DatapointsToAlarm)
				}
				found = append(found, it)
			}
			return out.NextToken, nil
		})
	})
	if err != nil {
		return err
	}
	return each(ctx, found, func(it *item) error {
		out, err := call(ctx, s, func() (*cloudwatch.ListTagsForResourceOutput, error) {
			return s.c.CloudWatch.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(it.arn)})
		})
		if err != nil {
			if s.partial("aws_cloudwatch_metric_alarm", "tags", err) {
				return nil
			}
			return err
		}
		tags := map[string]any{}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		it.live["tags"] = tags
		return nil
	})
}

// scanLogGroups lists log groups under the longest common prefix of the
// managed names (50 a page), then reads tags per group.
func scanLogGroups(ctx context.Context, s *Scanner, items map[string][]*item) error {
	byName := map[string]*item{}
	var names []string
	for _, it := range items["aws_cloudwatch_log_group"] {
		n := it.obj.String("name")
		if n == "" {
			n = it.obj.ID()
		}
		byName[n] = it
		names = append(names, n)
	}
	prefix := commonPrefix(names)
	var found []*item
	err := pages(ctx, s, func(token *string) (*string, error) {
		in := &cloudwatchlogs.DescribeLogGroupsInput{NextToken: token, Limit: aws.Int32(50)}
		if prefix != "" {
			in.LogGroupNamePrefix = aws.String(prefix)
		}
		out, err := s.c.Logs.DescribeLogGroups(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, g := range out.LogGroups {
			it := byName[aws.ToString(g.LogGroupName)]
			if it == nil {
				continue
			}
			it.found = true
			it.arn = strings.TrimSuffix(aws.ToString(g.Arn), ":*")
			it.live = map[string]any{
				"retention_in_days": int(aws.ToInt32(g.RetentionInDays)),
				"kms_key_id":        aws.ToString(g.KmsKeyId),
			}
			found = append(found, it)
		}
		return out.NextToken, nil
	})
	if err != nil {
		return err
	}
	return each(ctx, found, func(it *item) error {
		out, err := call(ctx, s, func() (*cloudwatchlogs.ListTagsForResourceOutput, error) {
			return s.c.Logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(it.arn)})
		})
		if err != nil {
			if s.partial("aws_cloudwatch_log_group", "tags", err) {
				return nil
			}
			return err
		}
		tags := map[string]any{}
		for k, v := range out.Tags {
			tags[k] = v
		}
		it.live["tags"] = tags
		return nil
	})
}

func commonPrefix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	p := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}
