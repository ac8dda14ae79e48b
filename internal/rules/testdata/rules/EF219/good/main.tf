variable "environment" {
  type = string
}

locals {
  services = { web = 2, worker = 1 }
}

resource "aws_ecs_service" "this" {
  for_each = local.services
  name     = "${each.key}-${var.environment}"

  lifecycle {
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "this" {
  for_each           = local.services
  service_namespace  = "ecs"
  resource_id        = "service/main/${aws_ecs_service.this[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value
  max_capacity       = 6
}

# web: predictive scaling that acts on its forecast.
resource "aws_appautoscaling_policy" "predictive" {
  for_each           = { web = true }
  name               = "${each.key}-predictive"
  policy_type        = "PredictiveScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  predictive_scaling_policy_configuration {
    mode = "ForecastAndScale"
    metric_specification {
      target_value = 40
      predefined_metric_pair_specification {
        predefined_metric_type = "ECSServiceCPUUtilization"
      }
    }
  }
}

# worker: a scheduled action ahead of the nightly batch.
resource "aws_appautoscaling_scheduled_action" "nightly" {
  name               = "worker-nightly"
  service_namespace  = aws_appautoscaling_target.this["worker"].service_namespace
  resource_id        = aws_appautoscaling_target.this["worker"].resource_id
  scalable_dimension = aws_appautoscaling_target.this["worker"].scalable_dimension
  schedule           = "cron(0 1 * * ? *)"

  scalable_target_action {
    min_capacity = 3
    max_capacity = 6
  }
}
