resource "aws_ecs_service" "app" {
  name = "app"
  cluster = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count = 2 # two tasks
  launch_type = "FARGATE" # serverless

  network_configuration {
    subnets = var.private_subnets
    security_groups = [aws_security_group.app.id]
    assign_public_ip=false
  }
  h = "${var.a}" # comment after unwrap
  longer_name = 1 # other
  lifecycle {
  ignore_changes = [task_definition, desired_count]
  }
}
