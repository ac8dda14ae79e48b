resource "aws_lb_target_group" "app" {
  port = 8080 # app port
  protocol = "HTTP" # plain inside the VPC
  deregistration_delay = 30 // seconds
  health_check {
    path = "/health" /* inline */
    matcher = "200-299"
  }
}
