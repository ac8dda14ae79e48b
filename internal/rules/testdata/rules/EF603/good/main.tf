data "aws_iam_policy_document" "task" {
  statement {
    actions   = ["ecr:GetAuthorizationToken", "logs:DescribeLogGroups", "s3:GetObject"]
    resources = ["*"]
  }

  statement {
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::bucket/*"]
  }
}

data "aws_iam_policy_document" "key" {
  statement {
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:root"]
    }
  }
}
