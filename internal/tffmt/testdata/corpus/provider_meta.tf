provider "aws" {
  alias = "east"
  region = "us-east-1"
  assume_role {
    role_arn = "${var.role_arn}"
  }
}
module "m" {
  source = "./m"
  providers = {
    aws = aws.east
  }
}
