resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path    = "/health"
    matcher = "200"
  }
}

resource "aws_lb_target_group" "nlb" {
  name     = "nlb"
  port     = 5432
  protocol = "TCP"
}
