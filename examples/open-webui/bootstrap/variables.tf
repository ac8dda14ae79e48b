# Same names as ../terraform/variables.tf, so the environment's tfvars file
# serves both roots (Terraform only warns about the stack's other variables).

variable "project" {
  description = "Name prefix for every resource."
  type        = string
  default     = "ecsflow"
}

variable "environment" {
  description = "Environment name: dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "The environment must be dev, staging or prod."
  }
}

variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
}

variable "aws_account_id" {
  description = "AWS account of the environment."
  type        = string
}

variable "github_repository" {
  description = "owner/name of the repository whose workflows may assume the roles."
  type        = string
}

variable "create_oidc_provider" {
  description = "Create the GitHub OIDC provider (false when the account already has one)."
  type        = bool
  default     = true
}

variable "state_bucket_name" {
  description = "Name of the state bucket; empty for ecsflow-tfstate-<environment>."
  type        = string
  default     = ""
}

variable "lock_table_name" {
  description = "Name of the DynamoDB lock table."
  type        = string
  default     = "ecsflow-terraform-locks"
}

variable "ledger_table_name" {
  description = "Name of the DynamoDB deployment ledger."
  type        = string
  default     = "ecsflow-deployments"
}

variable "dr_region" {
  description = "Region the stack is restored in when its own is lost (state replica, image replicas, DR drill)."
  type        = string
  default     = "us-west-2"
}
