resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/app"
  retention_in_days = 30
}

resource "aws_ecs_task_definition" "a" {
  family = "a"
  container_definitions = jsonencode([
    {
      name  = "ref"
      image = "repo:1.0"
      logConfiguration = {
        logDriver = "awslogs"
        options   = { awslogs-group = aws_cloudwatch_log_group.app.name, awslogs-region = "us-east-1", awslogs-stream-prefix = "x" }
      }
    },
    {
      name  = "literal"
      image = "repo:1.0"
      logConfiguration = {
        logDriver = "awslogs"
        options   = { awslogs-group = "/ecs/app", awslogs-region = "us-east-1", awslogs-stream-prefix = "y" }
      }
    },
  ])
}
