resource "aws_iam_role" "ecs" {
  name               = "ecs"
  assume_role_policy = "{}"
}

resource "aws_ecs_task_definition" "a" {
  family                = "a"
  execution_role_arn    = aws_iam_role.ecs.arn
  task_role_arn         = aws_iam_role.ecs.arn
  container_definitions = jsonencode([{ name = "app", image = "repo:1.0" }])
}
