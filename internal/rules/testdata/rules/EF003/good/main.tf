resource "aws_ecs_task_definition" "a" {
  family                = "a"
  container_definitions = <<JSON
[{"name": "app", "image": "repo:1.0", "memory": ${var.memory}}]
JSON
}

variable "memory" {
  type = number
}
