resource "aws_ecs_task_definition" "a" {
  family = "a"
  container_definitions = jsonencode([
    {
      name        = "app"
      image       = "repo:1.0"
      healthCheck = { command = ["CMD-SHELL", "curl -f http://localhost/health || exit 1"], interval = 30, retries = 3 }
    },
    { name = "init", image = "repo:1.0", essential = false },
  ])
}
