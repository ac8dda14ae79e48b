module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}

module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"
}

module "shared" {
  source = "git::https://github.com/example/shared.git"
}
