variable "environment" {
  description = "Environment name (dev, prod)."
  type        = string
  default     = "dev"
}

variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"
}

variable "api_desired_count" {
  description = "Tasks of the api service."
  type        = number
  default     = 2
}

variable "worker_desired_count" {
  description = "Tasks of the worker service."
  type        = number
  default     = 1
}

variable "certificate_arn" {
  description = "ACM certificate of the api's HTTPS listener."
  type        = string
  default     = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000042"
}
