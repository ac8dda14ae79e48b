resource "aws_sns_topic" "alerts" {
  name = "${local.name}-alerts"
}

# Errors logged by either service; a deployment that sets one off is
# rolled back by ECS.
resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each = local.services

  alarm_name          = "${local.name}-${each.key}-errors"
  alarm_description   = "${each.key} logs more than 5 errors a minute for 2 minutes."
  namespace           = "Shop/${var.environment}"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 5
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]

  dimensions = {
    ClusterName = aws_ecs_cluster.this.name
    ServiceName = each.key
  }
}
