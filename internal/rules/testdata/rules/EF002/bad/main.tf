variable "name" {
  type = "string"
}

resource "aws_s3_bucket" "a" {
  bucket = "${var.name}"
  force_destroy=false
}
