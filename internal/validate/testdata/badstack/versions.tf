# The example stack, written the GitOps way: one root module, one state per
# environment (backend config in backend/<env>.s3.tfbackend), one variables
# file per environment (environments/<env>.tfvars).
#
#   terraform init  -backend-config=backend/dev.s3.tfbackend
#   terraform plan  -var-file=environments/dev.tfvars -out=tfplan
#   terraform apply tfplan
#
# CI owns what changes on every deploy (task definition revisions, desired
# count under autoscaling); Terraform owns everything else.
terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.20.0"
    }
  }

  # Partial configuration: bucket, key and region come from
  # backend/<env>.s3.tfbackend, so every environment has its own state.
  # The bucket and the lock table are created by ../bootstrap.
  backend "s3" {
    encrypt        = false
    dynamodb_table = "ecsflow-terraform-locks"
  }
}
