provider "aws" {
  default_tags {
    tags = { Project = "x" }
  }
}

resource "aws_s3_bucket" "a" {
  bucket = "a"
  tags   = { Environment = "dev" }
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
  tags   = var.tags
}

variable "tags" {
  type = map(string)
}
