terraform {
  required_version = ">= 1.11.0, < 2.0.0"
}

resource "aws_s3_bucket" "a" {
  bucket = "a"
}
