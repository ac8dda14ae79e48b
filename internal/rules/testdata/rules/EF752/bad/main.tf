resource "aws_dynamodb_table" "locks" {
  name     = "acme-terraform-locks"
  hash_key = "LockID"
}

resource "aws_dynamodb_table" "off" {
  name     = "acme-terraform-locks-2"
  hash_key = "LockID"

  point_in_time_recovery {
    enabled = false
  }
}
