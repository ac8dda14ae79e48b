resource "aws_lb_listener" "http" {
  load_balancer_arn = "arn:lb"
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = "arn:tg"
  }
}
