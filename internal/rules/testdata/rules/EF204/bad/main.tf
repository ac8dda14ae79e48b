resource "aws_ecr_repository" "app" {
  name = "app"
}

resource "aws_ecs_task_definition" "a" {
  family = "a"
  container_definitions = jsonencode([
    { name = "app", image = "${aws_ecr_repository.app.repository_url}:latest" },
    { name = "proxy", image = "nginx" },
  ])
}

resource "aws_ecs_task_definition" "heredoc" {
  family                = "heredoc"
  container_definitions = <<JSON
[
  {
    "name": "web",
    "image": "${aws_ecr_repository.app.repository_url}:latest",
    "memory": ${var.memory}
  }
]
JSON
}

resource "aws_ecs_task_definition" "templated" {
  family = "templated"
  container_definitions = templatefile("${path.module}/containers.json.tpl", {
    image = "public.ecr.aws/docker/library/redis"
  })
}

variable "memory" {
  type = number
}
