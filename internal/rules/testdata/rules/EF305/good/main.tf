resource "aws_lb" "a" {
  name = "a"

  access_logs {
    bucket  = "logs"
    enabled = true
  }
}
