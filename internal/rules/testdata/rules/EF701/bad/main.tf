resource "aws_cloudwatch_log_group" "none" {
  name = "/ecs/none"
}

resource "aws_cloudwatch_log_group" "zero" {
  name              = "/ecs/zero"
  retention_in_days = 0
}
