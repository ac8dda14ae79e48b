variable "zones" {
  type    = list(string)
  default = ["us-east-1a"]
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = "vpc-1"
  cidr_block        = "10.0.${count.index}.0/24"
  availability_zone = var.zones[0]
}
