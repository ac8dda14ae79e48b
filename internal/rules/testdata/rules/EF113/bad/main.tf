variable "environment" {
  type = string
}

variable "desired_count" {
  type    = number
  default = 1
}
