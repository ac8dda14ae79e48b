resource "aws_s3_bucket" "a" {
  bucket = "a"
}

resource "aws_s3_bucket_versioning" "a" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = "Enabled"
  }
}

output "region" {
  value = data.aws_region.current.name
}
