resource "aws_ecr_repository" "app" {
  name = "app"
}

variable "image_tag" {
  type = string
}

resource "aws_ecs_task_definition" "a" {
  family = "a"
  container_definitions = jsonencode([
    { name = "app", image = "${aws_ecr_repository.app.repository_url}:${var.image_tag}" },
    { name = "proxy", image = "nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000" },
    { name = "pinned", image = "registry.example.com:5000/team/tool:1.4.2" },
  ])
}

# CI owns this task definition: the placeholder image is never deployed
# by Terraform.
resource "aws_ecs_task_definition" "ci" {
  family                = "ci"
  container_definitions = jsonencode([{ name = "web", image = "${aws_ecr_repository.app.repository_url}:latest" }])
}

resource "aws_ecs_service" "ci" {
  name            = "ci"
  task_definition = aws_ecs_task_definition.ci.arn

  lifecycle {
    ignore_changes = [task_definition]
  }
}
