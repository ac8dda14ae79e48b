output "state_bucket" {
  description = "Bucket for ../terraform/backend/<env>.s3.tfbackend."
  value       = aws_s3_bucket.state.id
}

output "lock_table" {
  description = "DynamoDB table for state locks."
  value       = aws_dynamodb_table.locks.name
}

output "role_arns" {
  description = "Role ARN per purpose: set them as the GitHub environment variables AWS_ROLE_READONLY, AWS_ROLE_DEPLOY and AWS_ROLE_TERRAFORM."
  value       = { for k, r in aws_iam_role.github : k => r.arn }
}

output "ledger_table" {
  description = "DynamoDB deployment ledger (input ledger-table of the actions)."
  value       = aws_dynamodb_table.ledger.name
}
