variable "deletion_protection" {
  type = bool
}

resource "aws_lb" "a" {
  name                       = "a"
  enable_deletion_protection = true
}

resource "aws_lb" "b" {
  name                       = "b"
  enable_deletion_protection = var.deletion_protection
}
