variable "api_key" {
  type      = string
  sensitive = true
}

resource "aws_ecs_task_definition" "a" {
  family = "a"
  container_definitions = jsonencode([{
    name  = "app"
    image = "repo:1.0"
    environment = [
      { name = "LOG_LEVEL", value = "info" },
      { name = "API_KEY", value = var.api_key },
      { name = "DB_PASSWORD_FILE", value = "/run/secrets/db" },
      { name = "SECRET_NAME", value = "prod/app" },
      { name = "TOKEN_SECRET_ARN", value = "arn:aws:secretsmanager:us-east-1:123456789012:secret:x" },
    ]
    secrets = [{ name = "DB_PASSWORD", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db" }]
  }])
}
