# The shop's infrastructure: one root module, state in S3 with S3-native
# locking, variables per environment in envs/<env>.tfvars.
#
#   terraform init
#   terraform plan -var-file=envs/dev.tfvars -out=tfplan
terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.20.0"
    }
  }

  backend "s3" {
    bucket       = "shop-terraform-state"
    key          = "shop/dev/terraform.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
    encrypt      = true
  }
}

provider "aws" {
  region = var.region
}
