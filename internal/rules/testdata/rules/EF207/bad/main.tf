resource "aws_ecs_task_definition" "a" {
  family = "a"
  container_definitions = jsonencode([{
    name  = "app"
    image = "repo:1.0"
    environment = [
      { name = "DB_PASSWORD", value = "hunter2" },
      { name = "LOG_LEVEL", value = "info" },
    ]
  }])
}
