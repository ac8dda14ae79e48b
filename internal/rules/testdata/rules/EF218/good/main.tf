resource "aws_appautoscaling_policy" "pair" {
  name               = "pair"
  policy_type        = "PredictiveScaling"
  service_namespace  = "ecs"
  resource_id        = "service/main/a"
  scalable_dimension = "ecs:service:DesiredCount"

  predictive_scaling_policy_configuration {
    mode                         = "ForecastAndScale"
    max_capacity_breach_behavior = "IncreaseMaxCapacity"
    max_capacity_buffer          = 20
    scheduling_buffer_time       = 600

    metric_specification {
      target_value = 40
      predefined_metric_pair_specification {
        predefined_metric_type = "ECSServiceCPUUtilization"
      }
    }
  }
}

resource "aws_appautoscaling_policy" "load_and_scaling" {
  name               = "load-and-scaling"
  policy_type        = "PredictiveScaling"
  service_namespace  = "ecs"
  resource_id        = "service/main/b"
  scalable_dimension = "ecs:service:DesiredCount"

  predictive_scaling_policy_configuration {
    metric_specification {
      target_value = 1000
      predefined_load_metric_specification {
        predefined_metric_type = "TotalALBRequestCount"
        resource_label         = "app/web/123/targetgroup/web/456"
      }
      predefined_scaling_metric_specification {
        predefined_metric_type = "ALBRequestCountPerTarget"
        resource_label         = "app/web/123/targetgroup/web/456"
      }
    }
  }
}

# Target tracking is not judged by this rule.
resource "aws_appautoscaling_policy" "cpu" {
  name               = "cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = "ecs"
  resource_id        = "service/main/a"
  scalable_dimension = "ecs:service:DesiredCount"

  target_tracking_scaling_policy_configuration {
    target_value = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
