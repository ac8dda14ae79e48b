resource "aws_ecs_service" "a" {
  name          = "a"
  desired_count = 2

  lifecycle {
    ignore_changes = [task_definition]
  }
}

resource "aws_appautoscaling_target" "a" {
  service_namespace  = "ecs"
  resource_id        = "service/main/${aws_ecs_service.a.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 2
  max_capacity       = 6
}
