resource "aws_lb" "a" {
  name                       = "a"
  drop_invalid_header_fields = true
}

resource "aws_lb" "nlb" {
  name               = "nlb"
  load_balancer_type = "network"
}
