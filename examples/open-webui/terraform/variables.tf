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

variable "dr_region" {
  description = "Region the stack is restored in when its own is lost (state replica, image replicas, DR drill)."
  type        = string
  default     = "us-west-2"
}

variable "aws_account_id" {
  description = "AWS account of the environment; the provider refuses any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "The account id must be 12 digits."
  }
}

variable "github_repository" {
  description = "owner/name of the repository whose workflows deploy this stack."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
}

variable "availability_zones" {
  description = "Availability zones for the public and private subnets (two or three)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3
    error_message = "Give two or three availability zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, for dev) instead of one per zone."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener."
  type        = string
}

variable "allowed_ingress_cidrs" {
  description = "CIDR blocks allowed to reach the public load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "log_retention_days" {
  description = "Retention of the service log groups, in days."
  type        = number
  default     = 30
}

variable "alb_log_retention_days" {
  description = "Retention of the load balancer access logs, in days."
  type        = number
  default     = 90
}

variable "deletion_protection" {
  description = "Protect the load balancer and the file system from deletion."
  type        = bool
  default     = true
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into running tasks (never in prod)."
  type        = bool
  default     = false
}

variable "deployment_strategy" {
  description = "ECS deployment strategy of the open-webui service: ROLLING or BLUE_GREEN. CANARY and LINEAR are driven by the deploy-ecs action."
  type        = string
  default     = "ROLLING"

  validation {
    condition     = contains(["ROLLING", "BLUE_GREEN"], var.deployment_strategy)
    error_message = "The deployment strategy must be ROLLING or BLUE_GREEN."
  }
}

variable "bake_time_minutes" {
  description = "Minutes a blue/green deployment keeps the old tasks before it finishes."
  type        = number
  default     = 5
}

variable "services" {
  description = "Per-service scaling. Keys must be open-webui, bedrock-access-gateway and mcpo."
  type = map(object({
    min_count = number
    max_count = number
  }))

  validation {
    condition     = alltrue([for k, v in var.services : v.min_count >= 1 && v.max_count >= v.min_count])
    error_message = "Each service needs min_count >= 1 and max_count >= min_count."
  }
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic; empty for none."
  type        = string
  default     = ""
}

variable "bedrock_model_arns" {
  description = "Bedrock foundation models the gateway may invoke."
  type        = list(string)
}
