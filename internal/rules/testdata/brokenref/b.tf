resource "aws_s3_bucket" "declared_in_broken_file" {
  bucket = "x
}
