resource "null_resource" "notify" {
  provisioner "local-exec" {
    command = "echo deployed ${var.repo}"
  }
}

variable "repo" {
  type = string
}
