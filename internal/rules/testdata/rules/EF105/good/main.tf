variable "a" {}

resource "aws_s3_bucket" "a" {
  bucket = "a"
}

data "aws_s3_bucket" "a" {
  bucket = "a"
}
