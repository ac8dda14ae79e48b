variable "enable_ssh" {
  type    = bool
  default = false
}

variable "admin_ports" {
  type    = list(number)
  default = [22, 3389]
}

# Known-empty for_each: the SSH rule does not exist, nothing to report.
resource "aws_security_group" "off" {
  name = "off"

  dynamic "ingress" {
    for_each = var.enable_ssh ? [1] : []
    content {
      from_port   = 22
      to_port     = 22
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

# Known, non-empty for_each with literal content: reported.
resource "aws_security_group" "on" {
  name = "on"

  dynamic "ingress" {
    for_each = toset(["x"])
    content {
      from_port   = 5432
      to_port     = 5432
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

# Ports from the iterator are unknown per element: not reported.
resource "aws_security_group" "iter" {
  name = "iter"

  dynamic "ingress" {
    for_each = var.admin_ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

# A circuit breaker that exists only when for_each is non-empty.
resource "aws_ecs_service" "no_breaker" {
  name = "no_breaker"

  dynamic "deployment_circuit_breaker" {
    for_each = []
    content {
      enable   = true
      rollback = true
    }
  }
}
