variable "cfg" {
  type = object({
    name = string
    tags = map(string)
    list = list
  })
  default = null

  validation {
    condition = var.cfg == null || length("${var.cfg.name}") > 0
    error_message = "Name must not be empty."
  }
}
variable "t" {
  type = "map"
  default = {}
}
