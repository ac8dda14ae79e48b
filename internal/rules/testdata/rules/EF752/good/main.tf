resource "aws_dynamodb_table" "locks" {
  name     = "acme-terraform-locks"
  hash_key = "LockID"

  point_in_time_recovery {
    enabled = true
  }
}

# Not a lock table.
resource "aws_dynamodb_table" "cache" {
  name     = "acme-cache"
  hash_key = "pk"
}
