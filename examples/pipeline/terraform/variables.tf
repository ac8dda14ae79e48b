variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-central-1"
}

variable "environments" {
  description = "Environments, one ECS cluster app-<env> each."
  type        = set(string)
  default     = ["dev", "prod"]
}

variable "desired_count" {
  description = "Tasks of the app service per environment."
  type        = number
  default     = 1
}
