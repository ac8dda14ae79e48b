resource "aws_lb" "a" {
  name = "a"
}

resource "aws_lb" "b" {
  name = "b"

  access_logs {
    bucket  = "logs"
    enabled = false
  }
}
