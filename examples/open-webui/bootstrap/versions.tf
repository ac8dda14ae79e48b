# Bootstrap: what must exist before the stack's own pipeline can run, applied
# once per environment account by an administrator:
#
#   terraform init
#   terraform apply -var-file=../terraform/environments/dev.tfvars
#
# It creates the remote state bucket and lock table used by ../terraform,
# the GitHub OIDC provider, and the environment's roles for GitHub Actions.
# Its own state is small and local (keep the file, or migrate it into the
# bucket it creates with `terraform init -migrate-state` once it exists).
terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.20.0"
    }
  }
}

locals {
  # the tags of both providers (this region and the DR region)
  bootstrap_tags = {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform-bootstrap"
  }
}

provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = local.bootstrap_tags
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
