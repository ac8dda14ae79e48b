variable "declared" {
  type = string
}

resource "aws_s3_bucket" "a" {
  bucket = "${var.declared}-${var.missing}"
}
