variable "a" {
  type = "map"
}
variable "b" {
  type = "number"
}
variable "d" {
  type = list # comment
}
variable "e" {
  type = "list(string)"
}
variable "f" {
  type = set
}
variable "h" {
  type = "${list}"
}
variable "i" {
  type    = list(map)
  default = "${var.x}"
}
variable "l" {
  type = "set"
}
module "x" {
  source = "./x"
  variable "v" {
    type = list
  }
}
variable "nested" {
  type = map
  validation {
    condition = "${length(var.nested) > 0}"
    error_message = "must not be empty"
  }
}
