resource "aws_ecs_task_definition" "a" {
  family                = "a"
  container_definitions = jsonencode([{ name = "app", image = "repo:1.0", privileged = true }])
}

resource "aws_ecs_task_definition" "from_file" {
  family                = "from_file"
  container_definitions = file("${path.module}/containers.json")
}
