variable "project" {
  type    = string
  default = "demo"
}

variable "environment" {
  type = string
}

variable "availability_zones" {
  type    = list(string)
  default = ["eu-west-1a", "eu-west-1b"]
}

variable "services" {
  type = map(object({
    cpu    = optional(number)
    memory = optional(number)
    port   = optional(number)
    public = optional(bool)
  }))
  default = {}
}

variable "image_tags" {
  type    = map(string)
  default = {}
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "allowed_cidrs" {
  type    = list(string)
  default = ["0.0.0.0/0"]
}

variable "egress_rules" {
  type = list(object({ from = number, to = number, protocol = string, cidrs = list(string) }))
  default = []
}

variable "account_id" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

variable "oidc_provider_arn" {
  type = string
}

variable "repository" {
  type = string
}
