resource "aws_ecs_task_definition" "a" {
  family                = "a"
  container_definitions = jsonencode([{ name = "app", image = "repo:1.0" }])
}

resource "aws_ecs_service" "a" {
  name            = "a"
  task_definition = aws_ecs_task_definition.a.arn
}
