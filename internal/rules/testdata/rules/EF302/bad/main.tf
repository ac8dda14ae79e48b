resource "aws_lb_listener" "default" {
  load_balancer_arn = "arn:lb"
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = "arn:cert"

  default_action {
    type             = "forward"
    target_group_arn = "arn:tg"
  }
}

resource "aws_lb_listener" "old" {
  load_balancer_arn = "arn:lb"
  port              = 8443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS-1-1-2017-01"
  certificate_arn   = "arn:cert"

  default_action {
    type             = "forward"
    target_group_arn = "arn:tg"
  }
}
