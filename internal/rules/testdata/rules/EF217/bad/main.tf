variable "environment" {
  type = string
}

variable "enable_execute_command" {
  type    = bool
  default = false
}

resource "aws_ecs_service" "a" {
  name                   = "a-${var.environment}"
  enable_execute_command = var.enable_execute_command
}
