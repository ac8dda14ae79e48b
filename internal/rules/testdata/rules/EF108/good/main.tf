terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

resource "aws_s3_bucket" "a" {
  bucket = "a"
}

resource "terraform_data" "marker" {
  input = "x"
}
