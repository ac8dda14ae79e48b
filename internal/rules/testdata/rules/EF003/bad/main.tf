resource "aws_ecs_task_definition" "a" {
  family                = "a"
  container_definitions = <<JSON
[{"name": "app", "image": "repo:1.0",]
JSON
}

resource "aws_ecs_task_definition" "b" {
  family                = "b"
  container_definitions = jsonencode({ name = "app" })
}
