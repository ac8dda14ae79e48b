# EF001: a syntax error; the rest of the stack is still checked.
resource "aws_s3_bucket" "broken" {
  bucket = "broken
}
