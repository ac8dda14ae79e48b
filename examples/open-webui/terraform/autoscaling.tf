# Desired counts belong to autoscaling (the services ignore desired_count).

resource "aws_appautoscaling_target" "service" {
  for_each = local.services

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.this[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.min_count
  max_capacity       = each.value.max_count
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each = local.services

  name               = "${local.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 60
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# open-webui's load follows the working day: predictive scaling adds tasks
# ahead of the forecast peak, target tracking above still handles the
# unexpected. The forecast needs 24 hours of metrics before it acts.
resource "aws_appautoscaling_policy" "predictive" {
  for_each = { for name, s in local.services : name => s if s.public }

  name               = "${local.name}-${each.key}-predictive"
  policy_type        = "PredictiveScaling"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension

  predictive_scaling_policy_configuration {
    mode                         = "ForecastAndScale"
    max_capacity_breach_behavior = "IncreaseMaxCapacity"
    max_capacity_buffer          = 20
    scheduling_buffer_time       = 300

    metric_specification {
      target_value = 60

      predefined_metric_pair_specification {
        predefined_metric_type = "ECSServiceCPUUtilization"
      }
    }
  }
}
