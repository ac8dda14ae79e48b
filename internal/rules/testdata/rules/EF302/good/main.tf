resource "aws_lb_listener" "https" {
  load_balancer_arn = "arn:lb"
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = "arn:cert"

  default_action {
    type             = "forward"
    target_group_arn = "arn:tg"
  }
}
