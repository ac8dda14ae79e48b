resource "aws_s3_bucket" "state" {
  bucket = "acme-terraform-state"
}

resource "aws_s3_bucket" "tf" {
  bucket = "acme-tfstate-prod"
}

resource "aws_s3_bucket_versioning" "tf" {
  bucket = aws_s3_bucket.tf.id

  versioning_configuration {
    status = "Suspended"
  }
}

resource "aws_s3_bucket" "assets" {
  bucket = "acme-assets"
}
