resource "aws_security_group" "sg" {
  for_each = toset(var.names)
  name = each.key
  dynamic "ingress" {
    for_each = var.rules
    iterator = rule
    content {
      from_port = rule.value.from
      to_port = rule.value.to
      protocol = "tcp"
      cidr_blocks = ["${rule.value.cidr}"]
    }
  }
}
module "svc" {
  source = "./modules/svc"
  count = var.enabled ? 1 : 0
  providers = {
    aws = aws.east
  }
  depends_on = [aws_security_group.sg]
}
