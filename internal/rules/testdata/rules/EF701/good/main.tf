variable "retention" {
  type = number
}

resource "aws_cloudwatch_log_group" "a" {
  name              = "/ecs/a"
  retention_in_days = 30
}

resource "aws_cloudwatch_log_group" "b" {
  name              = "/ecs/b"
  retention_in_days = var.retention
}
