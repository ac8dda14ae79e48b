provider "aws" {
  default_tags {
    tags = { Project = "x" }
  }
}

resource "aws_s3_bucket" "a" {
  bucket = "a"
  tags   = { Name = "a" }
}
