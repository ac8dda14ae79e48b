provider "aws" {
  region = var.aws_region

  # Refuse to touch any account but the environment's own: a dev tfvars file
  # applied with prod credentials fails before it changes anything.
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
      Repository  = var.github_repository
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}
