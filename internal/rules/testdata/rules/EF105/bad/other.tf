variable "a" {}

resource "aws_s3_bucket" "a" {
  bucket = "again"
}

locals {
  x = 1
}

locals {
  x = 2
}
