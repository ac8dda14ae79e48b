locals {
  name = "app"
}

resource "aws_s3_bucket" "a" {
  bucket = "${local.name}-${local.suffix}"
}
