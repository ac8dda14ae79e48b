variable "environment" {
  type = string
}

resource "aws_ecs_service" "a" {
  name = "a-${var.environment}"

  lifecycle {
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "a" {
  service_namespace  = "ecs"
  resource_id        = "service/main/${aws_ecs_service.a.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 2
  max_capacity       = 6
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.a.service_namespace
  resource_id        = aws_appautoscaling_target.a.resource_id
  scalable_dimension = aws_appautoscaling_target.a.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# ForecastOnly (also the default mode) forecasts but never scales.
resource "aws_appautoscaling_policy" "forecast" {
  name               = "forecast"
  policy_type        = "PredictiveScaling"
  service_namespace  = aws_appautoscaling_target.a.service_namespace
  resource_id        = aws_appautoscaling_target.a.resource_id
  scalable_dimension = aws_appautoscaling_target.a.scalable_dimension

  predictive_scaling_policy_configuration {
    metric_specification {
      target_value = 40
      predefined_metric_pair_specification {
        predefined_metric_type = "ECSServiceCPUUtilization"
      }
    }
  }
}
