resource "aws_s3_bucket" "state" {
  bucket = "acme-tfstate"
}

resource "aws_s3_bucket_replication_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  role   = "arn:aws:iam::111111111111:role/replication"

  rule {
    id     = "dr"
    status = "Enabled"
    destination {
      bucket = "arn:aws:s3:::acme-tfstate-replica"
    }
  }
}

# The replica is a destination, not a bucket to replicate.
resource "aws_s3_bucket" "state_replica" {
  bucket = "acme-tfstate-us-west-2"
}

resource "aws_s3_bucket_replication_configuration" "to_replica" {
  bucket = aws_s3_bucket.state.id
  role   = "arn:aws:iam::111111111111:role/replication"

  rule {
    id     = "dr"
    status = "Enabled"
    destination {
      bucket = aws_s3_bucket.state_replica.arn
    }
  }
}
