resource "aws_iam_role" "execution" {
  name               = "execution"
  assume_role_policy = "{}"
}

resource "aws_iam_role" "task" {
  for_each           = toset(["a", "b"])
  name               = each.key
  assume_role_policy = "{}"
}

resource "aws_ecs_task_definition" "a" {
  for_each              = toset(["a", "b"])
  family                = each.key
  execution_role_arn    = aws_iam_role.execution.arn
  task_role_arn         = aws_iam_role.task[each.key].arn
  container_definitions = jsonencode([{ name = "app", image = "repo:1.0" }])
}
