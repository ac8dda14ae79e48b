variable "a" {
  type = "string"
}
variable "b" {
  type = list
}
variable "c" {
  type = map
}
variable "d" {
  type = "list"
}
variable "e" {
  type = object({a=string,b=list})
}
resource "x" "y" {
  a = "${var.a}"
  b = "${var.a}-x"
  c = "${
    var.a
  }"
  d = "${var.a ? 1 :
  2}"
  e = <<EOT
  hello ${var.a}
EOT
  nested {
    z = "${local.q}"
    type = "string"
  }
}
locals {
  type = "string"
  f = "${"${var.a}"}"
}
output "o" { value = "${var.a}" }
