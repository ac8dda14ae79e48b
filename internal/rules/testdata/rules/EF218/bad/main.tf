resource "aws_appautoscaling_policy" "ec2_pair" {
  name               = "ec2-pair"
  policy_type        = "PredictiveScaling"
  service_namespace  = "ecs"
  resource_id        = "service/main/a"
  scalable_dimension = "ecs:service:DesiredCount"

  predictive_scaling_policy_configuration {
    mode = "ForecastAndScale"

    metric_specification {
      target_value = 40
      predefined_metric_pair_specification {
        predefined_metric_type = "ASGCPUUtilization"
      }
    }
  }
}

resource "aws_appautoscaling_policy" "bad_settings" {
  name               = "bad-settings"
  policy_type        = "PredictiveScaling"
  service_namespace  = "ecs"
  resource_id        = "service/main/b"
  scalable_dimension = "ecs:service:DesiredCount"

  predictive_scaling_policy_configuration {
    mode                   = "ForecastAndScaleOut"
    max_capacity_buffer    = 10
    scheduling_buffer_time = 3600

    metric_specification {
      predefined_metric_pair_specification {
        predefined_metric_type = "ALBRequestCount"
      }
    }
  }
}

resource "aws_appautoscaling_policy" "buffer" {
  name               = "buffer"
  policy_type        = "PredictiveScaling"
  service_namespace  = "ecs"
  resource_id        = "service/main/c"
  scalable_dimension = "ecs:service:DesiredCount"

  predictive_scaling_policy_configuration {
    max_capacity_breach_behavior = "IncreaseMaxCapacity"
    max_capacity_buffer          = 150

    metric_specification {
      target_value = 60
      predefined_load_metric_specification {
        predefined_metric_type = "ECSServiceTotalCPUUtilization"
      }
    }
  }
}

resource "aws_appautoscaling_policy" "no_buffer" {
  name               = "no-buffer"
  policy_type        = "PredictiveScaling"
  service_namespace  = "ecs"
  resource_id        = "service/main/d"
  scalable_dimension = "ecs:service:DesiredCount"

  predictive_scaling_policy_configuration {
    max_capacity_breach_behavior = "IncreaseMaxCapacity"
  }
}
