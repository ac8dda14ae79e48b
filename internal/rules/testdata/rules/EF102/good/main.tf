locals {
  name   = "app"
  suffix = [for s in ["a", "b"] : upper(s)]
}

resource "aws_s3_bucket" "a" {
  bucket = "${local.name}-${local.suffix[0]}"
}
