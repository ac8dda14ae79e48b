variable "declared" {
  type = string

  validation {
    condition     = length(var.declared) > 0
    error_message = "must not be empty"
  }
}

resource "aws_s3_bucket" "a" {
  bucket = "${var.declared}-x"
}
