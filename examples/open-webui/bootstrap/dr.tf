# Disaster recovery: the state is replicated to a bucket in var.dr_region, so
# the stack can be planned and restored there when its own region is lost
# (docs/runbooks/dr-drill.md). S3 replication needs versioning on both sides;
# objects encrypted with the AWS managed key are re-encrypted with the
# destination region's.

provider "aws" {
  alias               = "dr"
  region              = var.dr_region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = local.bootstrap_tags
  }
}

resource "aws_s3_bucket" "state_replica" {
  provider = aws.dr
  bucket   = "${local.state_bucket}-${var.dr_region}"

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "state_replica" {
  provider = aws.dr
  bucket   = aws_s3_bucket.state_replica.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state_replica" {
  provider = aws.dr
  bucket   = aws_s3_bucket.state_replica.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "state_replica" {
  provider                = aws.dr
  bucket                  = aws_s3_bucket.state_replica.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "replication_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "state_replication" {
  name               = "${var.project}-${var.environment}-state-replication"
  assume_role_policy = data.aws_iam_policy_document.replication_trust.json
}

data "aws_iam_policy_document" "state_replication" {
  statement {
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }
  statement {
    actions   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
    resources = ["${aws_s3_bucket.state.arn}/*"]
  }
  statement {
    actions   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    resources = ["${aws_s3_bucket.state_replica.arn}/*"]
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = ["arn:${data.aws_partition.current.partition}:kms:${var.aws_region}:${var.aws_account_id}:alias/aws/s3"]
  }
  statement {
    actions   = ["kms:Encrypt"]
    resources = ["arn:${data.aws_partition.current.partition}:kms:${var.dr_region}:${var.aws_account_id}:alias/aws/s3"]
  }
}

resource "aws_iam_role_policy" "state_replication" {
  role   = aws_iam_role.state_replication.id
  policy = data.aws_iam_policy_document.state_replication.json
}

resource "aws_s3_bucket_replication_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  role   = aws_iam_role.state_replication.arn

  rule {
    id     = "state-to-dr-region"
    status = "Enabled"

    filter {}

    delete_marker_replication {
      status = "Enabled"
    }

    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }

    destination {
      bucket = aws_s3_bucket.state_replica.arn

      encryption_configuration {
        replica_kms_key_id = "arn:${data.aws_partition.current.partition}:kms:${var.dr_region}:${var.aws_account_id}:alias/aws/s3"
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.state, aws_s3_bucket_versioning.state_replica]
}
