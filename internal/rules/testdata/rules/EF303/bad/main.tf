resource "aws_lb" "a" {
  name = "a"
}
