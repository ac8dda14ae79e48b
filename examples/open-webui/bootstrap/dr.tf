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

# --- the DR drill's rights in the recovery region -----------------------------
# The drill (phase3-dr-drill.yml) runs as the deploy role, whose policy names
# this region only. In var.dr_region it promotes images into ECR, creates the
# services the recovery cluster lacks, updates and waits for them, and in
# drill mode deletes what it created and deregisters its revisions. Held to
# the drill's calls by cmd/docgen/iam_test.go, like the deploy policy.

locals {
  dr_region_acct = "${var.dr_region}:${data.aws_caller_identity.current.account_id}"
}

data "aws_iam_policy_document" "dr_drill" {
  statement {
    sid       = "DrillEcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # no resource-level permission for this action
  }

  statement {
    sid = "DrillEcrPromote"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:CompleteLayerUpload",
      "ecr:CreateRepository",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = ["${local.arn_prefix}:ecr:${local.dr_region_acct}:repository/${var.project}/*"]
  }

  statement {
    sid = "DrillTaskDefinitions"
    actions = [
      "ecs:DeregisterTaskDefinition",
      "ecs:DescribeTaskDefinition",
      "ecs:RegisterTaskDefinition",
      "ecs:TagResource",
    ]
    resources = ["*"] # task definition calls support no resource-level permission

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.dr_region]
    }
  }

  statement {
    sid = "DrillServices"
    actions = [
      "ecs:ContinueServiceDeployment",
      "ecs:CreateService",
      "ecs:DeleteService",
      "ecs:DescribeServiceDeployments",
      "ecs:DescribeServices",
      "ecs:DescribeTasks",
      "ecs:ListServiceDeployments",
      "ecs:ListTasks",
      "ecs:StopServiceDeployment",
      "ecs:UpdateService",
    ]
    resources = [
      "${local.arn_prefix}:ecs:${local.dr_region_acct}:cluster/${local.stack_prefix}",
      "${local.arn_prefix}:ecs:${local.dr_region_acct}:service/${local.stack_prefix}/*",
      "${local.arn_prefix}:ecs:${local.dr_region_acct}:task/${local.stack_prefix}/*",
      "${local.arn_prefix}:ecs:${local.dr_region_acct}:service-deployment/${local.stack_prefix}/*",
    ]
  }

  statement {
    sid       = "DrillPassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_prefix}:iam::${data.aws_caller_identity.current.account_id}:role/${local.stack_prefix}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "dr_drill" {
  name   = "dr-drill"
  role   = aws_iam_role.github["deploy"].id
  policy = data.aws_iam_policy_document.dr_drill.json
}
