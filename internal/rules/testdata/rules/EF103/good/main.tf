data "aws_region" "current" {}

resource "aws_s3_bucket" "a" {
  bucket = "a-${data.aws_region.current.name}"
}

resource "aws_security_group" "sg" {
  name = "sg"

  dynamic "ingress" {
    for_each = var.rules
    iterator = rule
    content {
      from_port   = rule.value.port
      to_port     = rule.value.port
      protocol    = "tcp"
      cidr_blocks = [rule.value.cidr]
    }
  }

  lifecycle {
    ignore_changes = [tags]
  }

  depends_on = [aws_s3_bucket.a]
}

variable "rules" {
  type = list(object({ port = number, cidr = string }))
}
