resource "aws_iam_role_policy" "s3" {
  name   = "s3"
  role   = "r"
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::bucket/*"}
  ]
}
POLICY
}
