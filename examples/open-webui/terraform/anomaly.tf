# Anomaly-detection alarms for each public service, on CloudWatch's own
# models: each alarm compares a metric with ANOMALY_DETECTION_BAND(m, k),
# the band of expected values CloudWatch trains from the metric's history
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html).
# k is the band's width in standard deviations: a wider band raises fewer
# false alarms and notices less. deploy-ecs (anomaly-metrics) and rollback's
# check mode read the same bands; docs/runbooks/anomaly-alert.md says what
# to do when one goes off.
#
# The load balancer fronts the public services only; with one public
# service (open-webui) its LoadBalancer metrics are that service's traffic
# and stay continuous when a blue/green deployment swaps target groups.

locals {
  public_services = { for name, s in local.services : name => s if s.public }

  anomaly_band_stddevs = 2
}

resource "aws_cloudwatch_metric_alarm" "anomaly_5xx_rate" {
  for_each = local.public_services

  alarm_name          = "${local.name}-${each.key}-anomaly-5xx-rate"
  alarm_description   = "${each.key}: the share of 5xx answers is above CloudWatch's expected band for 2 of 3 minutes."
  comparison_operator = "GreaterThanUpperThreshold"
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold_metric_id = "band"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(rate, ${local.anomaly_band_stddevs})"
    label       = "5xx percent (expected)"
    return_data = true
  }

  metric_query {
    id          = "rate"
    expression  = "100 * errors / MAX([errors, requests])"
    label       = "5xx percent"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      stat        = "Sum"
      period      = 60
      dimensions = {
        LoadBalancer = aws_lb.main.arn_suffix
      }
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      stat        = "Sum"
      period      = 60
      dimensions = {
        LoadBalancer = aws_lb.main.arn_suffix
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "anomaly_latency" {
  for_each = local.public_services

  alarm_name          = "${local.name}-${each.key}-anomaly-latency"
  alarm_description   = "${each.key}: target response time is above CloudWatch's expected band for 2 of 3 minutes."
  comparison_operator = "GreaterThanUpperThreshold"
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold_metric_id = "band"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(latency, ${local.anomaly_band_stddevs})"
    label       = "TargetResponseTime (expected)"
    return_data = true
  }

  metric_query {
    id          = "latency"
    return_data = true

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "TargetResponseTime"
      stat        = "p90"
      period      = 60
      dimensions = {
        LoadBalancer = aws_lb.main.arn_suffix
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "anomaly_running_tasks" {
  for_each = local.public_services

  alarm_name          = "${local.name}-${each.key}-anomaly-running-tasks"
  alarm_description   = "${each.key}: fewer running tasks than CloudWatch expects (tasks restarting) for 2 of 3 minutes."
  comparison_operator = "LessThanLowerThreshold"
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold_metric_id = "band"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(tasks, ${local.anomaly_band_stddevs})"
    label       = "RunningTaskCount (expected)"
    return_data = true
  }

  metric_query {
    id          = "tasks"
    return_data = true

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      stat        = "Average"
      period      = 60
      dimensions = {
        ClusterName = aws_ecs_cluster.main.name
        ServiceName = each.key
      }
    }
  }
}
