resource "aws_lb" "a" {
  name                       = "a"
  enable_deletion_protection = false
}
