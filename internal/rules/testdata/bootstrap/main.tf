# Creates the state bucket and lock table the other stacks use; its own
# state is necessarily local.
resource "aws_s3_bucket" "state" {
  bucket = "acme-terraform-state"
}

resource "aws_dynamodb_table" "locks" {
  name         = "terraform-locks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }
}
