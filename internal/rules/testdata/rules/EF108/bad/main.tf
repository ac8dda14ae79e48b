terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

resource "aws_s3_bucket" "a" {
  bucket = "a"
}

resource "random_id" "suffix" {
  byte_length = 4
}
