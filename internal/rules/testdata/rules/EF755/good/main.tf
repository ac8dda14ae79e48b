variable "zones" {
  type    = list(string)
  default = ["us-east-1a", "us-east-1b"]
}

resource "aws_subnet" "private" {
  count             = length(var.zones)
  vpc_id            = "vpc-1"
  cidr_block        = "10.0.${count.index}.0/24"
  availability_zone = var.zones[count.index]
}
