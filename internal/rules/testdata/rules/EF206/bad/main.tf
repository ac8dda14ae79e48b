resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/app"
  retention_in_days = 30
}

resource "aws_ecs_task_definition" "a" {
  family = "a"
  container_definitions = jsonencode([
    { name = "nolog", image = "repo:1.0" },
    {
      name             = "syslog"
      image            = "repo:1.0"
      logConfiguration = { logDriver = "syslog" }
    },
    {
      name  = "unmanaged"
      image = "repo:1.0"
      logConfiguration = {
        logDriver = "awslogs"
        options   = { awslogs-group = "/ecs/other", awslogs-region = "us-east-1", awslogs-stream-prefix = "x" }
      }
    },
    {
      name  = "created"
      image = "repo:1.0"
      logConfiguration = {
        logDriver = "awslogs"
        options   = { awslogs-group = "/ecs/new", awslogs-create-group = "true" }
      }
    },
  ])
}
