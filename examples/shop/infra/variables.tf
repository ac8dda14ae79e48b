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
