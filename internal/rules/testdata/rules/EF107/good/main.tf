module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
}

module "shared" {
  source = "git::https://github.com/example/shared.git?ref=0123456789abcdef0123456789abcdef01234567"
}
